import type { ConsumeMessage } from 'amqplib';
import { AckBatcher, type AckChannel } from '../src/engine/ack-batcher';

const message = (deliveryTag: number) => ({ fields: { deliveryTag } }) as unknown as ConsumeMessage;
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Records what would go to the broker: `ack 3`, `ack ≤5` (multiple), `nack 2`. */
function recordingChannel(): AckChannel & { sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    ack: (m, allUpTo) => sent.push(`ack ${allUpTo ? '≤' : ''}${m.fields.deliveryTag}`),
    nack: (m) => sent.push(`nack ${m.fields.deliveryTag}`),
  };
}

function deliver(batcher: AckBatcher, tags: number[]): Map<number, ConsumeMessage> {
  const messages = new Map(tags.map((t) => [t, message(t)]));
  for (const m of messages.values()) batcher.delivered(m);
  return messages;
}

describe('AckBatcher', () => {
  it('acks the oldest settled deliveries of one turn with one multiple ack', async () => {
    const channel = recordingChannel();
    const batcher = new AckBatcher(channel, () => undefined);
    const m = deliver(batcher, [1, 2, 3, 4]);
    batcher.ack(m.get(2)!);
    batcher.ack(m.get(1)!);
    batcher.ack(m.get(3)!);
    expect(channel.sent).toEqual([]); // nothing before the turn ends
    await nextTurn();
    expect(channel.sent).toEqual(['ack ≤3']);
    batcher.ack(m.get(4)!);
    await nextTurn();
    expect(channel.sent).toEqual(['ack ≤3', 'ack 4']);
  });

  it('never holds a settled ack behind an older delivery still running', async () => {
    const channel = recordingChannel();
    const batcher = new AckBatcher(channel, () => undefined);
    const m = deliver(batcher, [1, 2, 3, 4]);
    batcher.ack(m.get(3)!);
    batcher.ack(m.get(4)!);
    await nextTurn();
    // 1 and 2 are still running: 3 and 4 go alone, not as a multiple ack that would cover them.
    expect(channel.sent).toEqual(['ack 3', 'ack 4']);
    batcher.ack(m.get(1)!);
    await nextTurn();
    expect(channel.sent).toEqual(['ack 3', 'ack 4', 'ack 1']);
  });

  it('sends the acks settled before a nack first, then the nack at once', async () => {
    const channel = recordingChannel();
    const batcher = new AckBatcher(channel, () => undefined);
    const m = deliver(batcher, [1, 2, 3]);
    batcher.ack(m.get(1)!);
    batcher.nack(m.get(2)!);
    expect(channel.sent).toEqual(['ack 1', 'nack 2']);
    batcher.ack(m.get(3)!);
    await nextTurn();
    expect(channel.sent).toEqual(['ack 1', 'nack 2', 'ack 3']);
  });

  it('reports a channel that closed before the flush instead of throwing', async () => {
    const errors: string[] = [];
    const batcher = new AckBatcher(
      {
        ack: () => {
          throw new Error('Channel closed');
        },
        nack: () => undefined,
      },
      (err) => errors.push(err.message),
    );
    const m = deliver(batcher, [1]);
    batcher.ack(m.get(1)!);
    await nextTurn();
    expect(errors).toEqual(['Channel closed']);
  });
});
