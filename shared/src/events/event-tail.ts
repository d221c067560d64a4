import { randomUUID } from 'node:crypto';
import type { Channel, ChannelModel } from 'amqplib';
import { EVENT_EXCHANGE, type EventFields } from './event-dispatcher';

export interface EventTailOptions {
  /** Routing-key pattern: `#` for everything, `task.#` for task events. @default '#' */
  readonly pattern?: string;
  readonly onEvent: (event: EventFields) => void;
}

/**
 * A live tail of the fleet's events, as Celery's `Receiver` reads them: an exclusive,
 * auto-delete `celeryev.<uuid>` queue bound to `celeryev`, lists unpacked (`task.multi`).
 */
export class EventTail {
  private constructor(private readonly channel: Channel) {}

  static async start(amqp: ChannelModel, options: EventTailOptions): Promise<EventTail> {
    const channel = await amqp.createChannel();
    await channel.assertExchange(EVENT_EXCHANGE, 'topic', { durable: true, autoDelete: false });
    const queue = `celeryev.${randomUUID()}`;
    await channel.assertQueue(queue, {
      exclusive: true,
      autoDelete: true,
      durable: false,
      arguments: { 'x-message-ttl': 5_000, 'x-expires': 60_000 },
    });
    // The task.multi batches carry a list of every kind; a narrower pattern filters after.
    await channel.bindQueue(queue, EVENT_EXCHANGE, '#');
    const wanted = patternRegExp(options.pattern ?? '#');
    await channel.consume(
      queue,
      (msg) => {
        if (!msg) return;
        let body: unknown;
        try {
          body = JSON.parse(msg.content.toString('utf8'));
        } catch {
          return;
        }
        for (const event of Array.isArray(body) ? body : [body]) {
          if (!event || typeof event !== 'object') continue;
          const type = String((event as EventFields).type ?? '');
          if (wanted.test(type.replace(/-/g, '.'))) options.onEvent(event as EventFields);
        }
      },
      { noAck: true },
    );
    return new EventTail(channel);
  }

  async close(): Promise<void> {
    await this.channel.close().catch(() => undefined);
  }
}

/** AMQP topic pattern (`*` one word, `#` any) as a RegExp over dotted routing keys. */
export function patternRegExp(pattern: string): RegExp {
  const words = pattern
    .split('.')
    .map((w) => (w === '#' ? '.*' : w === '*' ? '[^.]+' : w.replace(/[\\^$+?()[\]{}|]/g, '\\$&')));
  return new RegExp(`^${words.join('\\.')}$`);
}
