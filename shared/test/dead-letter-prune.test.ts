import amqplib, { type ChannelModel } from 'amqplib';
import { DeadLetterAdmin, QUORUM, deadLetterTime } from '../src';
import { createPrivateVhost, type PrivateVhost } from '../../testing/private-vhost';

const DAY = 86_400_000;

/** Dead-letter pruning on the real broker, in a vhost of this test's own. */
describe('DeadLetterAdmin.pruneOlderThan', () => {
  let vhost: PrivateVhost;
  let connection: ChannelModel;
  const now = Date.now();
  const cutoff = new Date(now - 30 * DAY);

  beforeAll(async () => {
    vhost = await createPrivateVhost('dead-prune');
    connection = await amqplib.connect(vhost.url);
  });
  afterAll(async () => {
    await connection?.close();
    await vhost?.close();
  });

  /** Publishes dead letters that failed `ages` days ago (null: no time recorded), in order. */
  async function deadLetters(queue: string, args: object, ages: (number | null)[]) {
    const channel = await connection.createConfirmChannel();
    await channel.assertQueue(queue, { durable: true, arguments: args });
    ages.forEach((age, i) => {
      channel.sendToQueue(queue, Buffer.from(JSON.stringify({ i })), {
        persistent: true,
        headers: {
          id: `letter-${i}`,
          ...(age === null
            ? {}
            : { 'x-burrow-failed-at': new Date(now - age * DAY).toISOString() }),
        },
      });
    });
    await channel.waitForConfirms();
    await channel.close();
  }

  /** Every message left, in queue order (taken and acked: the queue is emptied). */
  async function drain(queue: string): Promise<{ id: string; deliveries: unknown }[]> {
    const channel = await connection.createChannel();
    const out: { id: string; deliveries: unknown }[] = [];
    for (;;) {
      const message = await channel.get(queue, { noAck: true });
      if (message === false) break;
      const headers = message.properties.headers ?? {};
      out.push({ id: String(headers.id), deliveries: headers['x-delivery-count'] });
    }
    await channel.close();
    return out;
  }

  it.each([
    ['a quorum queue (as the topology declares)', 'email.dead', QUORUM],
    ['a classic queue', 'classic.dead', {}],
  ])(
    'on %s, removes the old ones at the head and keeps the rest in order',
    async (_kind, queue, args) => {
      // 40 and 35 days old at the head; 10 days stops the prune; the 45-day-old one behind
      // it (replayed, failed again) waits for its turn.
      await deadLetters(queue, args, [40, 35, 10, 45, 5, 1]);
      const admin = new DeadLetterAdmin(connection, null);
      const report = await admin.pruneOlderThan(queue, cutoff);
      expect(report).toEqual({
        deadQueue: queue,
        exists: true,
        removed: 2,
        remaining: 4,
        headFailedAt: new Date(now - 10 * DAY).toISOString(),
      });
      const left = await drain(queue);
      expect(left.map((m) => m.id)).toEqual(['letter-2', 'letter-3', 'letter-4', 'letter-5']);
      // Only the message looked at and kept was returned; the others were never touched
      // (a quorum queue stamps an x-delivery-count of 0 on them, a classic queue none).
      expect(left.slice(1).every((m) => !m.deliveries)).toBe(true);
    },
  );

  it('accepts the task queue name, and prunes everything when everything is old', async () => {
    await deadLetters('cleanup.dead', QUORUM, [90, 60, 31]);
    const report = await new DeadLetterAdmin(connection, null).pruneOlderThan('cleanup', cutoff);
    expect(report).toMatchObject({ removed: 3, remaining: 0, headFailedAt: null });
  });

  it('stops at a dead letter without a recorded time, keeping it', async () => {
    await deadLetters('notifications.dead', QUORUM, [50, null, 50]);
    const admin = new DeadLetterAdmin(connection, null);
    expect(await admin.pruneOlderThan('notifications', cutoff)).toMatchObject({
      removed: 1,
      remaining: 2,
      headFailedAt: null,
    });
    expect((await drain('notifications.dead')).map((m) => m.id)).toEqual(['letter-1', 'letter-2']);
  });

  it('reports a dead-letter queue that does not exist, and the connection stays usable', async () => {
    const admin = new DeadLetterAdmin(connection, null);
    expect(await admin.pruneOlderThan('never-declared', cutoff)).toEqual({
      deadQueue: 'never-declared.dead',
      exists: false,
      removed: 0,
      remaining: 0,
      headFailedAt: null,
    });
    await expect(admin.pruneOlderThan('email', cutoff)).resolves.toMatchObject({ exists: true });
  });

  it('stops between messages when its signal aborts', async () => {
    await deadLetters('data_processing.dead', QUORUM, [40, 40]);
    const controller = new AbortController();
    controller.abort(new Error('budget'));
    await expect(
      new DeadLetterAdmin(connection, null).pruneOlderThan('data_processing', cutoff, {
        signal: controller.signal,
      }),
    ).rejects.toThrow('budget');
    expect((await drain('data_processing.dead')).length).toBe(2);
  });

  // What the prune relies on: a message left unacked and returned by the channel's close goes
  // back to the head of a quorum queue (on RabbitMQ 3.10 a nack(requeue) puts it at the tail).
  it('a quorum queue takes a message returned by a channel close back at its head', async () => {
    await deadLetters('returned-by-close', QUORUM, [1, 2, 3]);
    const channel = await connection.createChannel();
    expect(await channel.get('returned-by-close', { noAck: false })).not.toBe(false);
    await channel.close();
    expect((await drain('returned-by-close')).map((m) => m.id)).toEqual([
      'letter-0',
      'letter-1',
      'letter-2',
    ]);
  });

  it('reads the time of a dead letter from burrow, the broker or the message', () => {
    const at = (properties: object) => deadLetterTime({ properties } as never);
    expect(at({ headers: { 'x-burrow-failed-at': '2026-01-02T03:04:05.000Z' } })).toBe(
      Date.parse('2026-01-02T03:04:05.000Z'),
    );
    expect(at({ headers: { 'x-death': [{ time: 1_700_000_000 }] } })).toBe(1_700_000_000_000);
    expect(at({ headers: {}, timestamp: 1_600_000_000 })).toBe(1_600_000_000_000);
    expect(at({ headers: { 'x-burrow-failed-at': 'yesterday' } })).toBeNull();
  });
});
