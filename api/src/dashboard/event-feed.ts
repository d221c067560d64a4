import type { Channel } from 'amqplib';
import {
  EVENT_EXCHANGE,
  EVENT_EXCHANGE_OPTIONS,
  type BrokerConnection,
  type EventFields,
  type Logger,
} from '@burrow/shared';

/**
 * The queue every API replica consumes the fleet's events from. One queue shared by the
 * replicas, not one each: RabbitMQ hands each event message to one of them, so the history
 * gets each event once however many replicas run. Auto-delete, so it goes when the last
 * replica does; capped and with a TTL, so a stalled API cannot fill the broker.
 */
export const EVENT_QUEUE = 'celeryev.burrow-api';
const EVENT_QUEUE_OPTIONS = {
  durable: false,
  autoDelete: true,
  exclusive: false,
  arguments: {
    'x-queue-type': 'classic',
    'x-message-ttl': 60_000,
    'x-max-length': 100_000,
    'x-overflow': 'drop-head',
  },
} as const;

export interface EventFeedOptions {
  readonly logger: Logger;
  /** Handles one message's events (a `task.multi` batch is one call); awaited before the ack. */
  readonly onEvents: (events: EventFields[]) => Promise<void>;
  /** Messages in flight to this replica. @default 50 */
  readonly prefetch?: number;
}

/**
 * Consumes `celeryev` through EVENT_QUEUE, re-declared and re-consumed after every reconnect.
 * Each message is acked after `onEvents` settles, failed or not: history is monitoring and a
 * broken write must not hold the fleet's events back.
 */
export class EventFeed {
  private channel: Channel | null = null;
  private opening = false;
  private closed = false;
  private readonly onConnect = () => void this.open();

  constructor(
    private readonly connection: BrokerConnection,
    private readonly options: EventFeedOptions,
  ) {}

  async start(): Promise<void> {
    this.connection.on('connect', this.onConnect);
    await this.open();
  }

  private async open(): Promise<void> {
    if (this.channel || this.opening || this.closed) return;
    const amqp = this.connection.current;
    if (!amqp) return;
    this.opening = true;
    try {
      const channel = await amqp.createChannel();
      channel.on('error', (err: Error) =>
        this.options.logger.warn('event feed channel error', { error: err.message }),
      );
      channel.on('close', () => {
        if (this.channel === channel) this.channel = null;
      });
      await channel.assertExchange(EVENT_EXCHANGE, 'topic', EVENT_EXCHANGE_OPTIONS);
      await channel.assertQueue(EVENT_QUEUE, EVENT_QUEUE_OPTIONS);
      await channel.bindQueue(EVENT_QUEUE, EVENT_EXCHANGE, '#');
      await channel.prefetch(this.options.prefetch ?? 50);
      await channel.consume(EVENT_QUEUE, (msg) => {
        if (!msg) return;
        void this.options
          .onEvents(parseEvents(msg.content))
          .catch((err: Error) =>
            this.options.logger.warn('events not recorded', { error: err.message }),
          )
          .finally(() => {
            try {
              channel.ack(msg);
            } catch {
              // the channel closed meanwhile: the broker hands the message out again
            }
          });
      });
      this.channel = channel;
    } catch (err) {
      this.options.logger.warn('cannot consume fleet events; retrying on the next connect', {
        error: (err as Error).message,
      });
    } finally {
      this.opening = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.connection.off('connect', this.onConnect);
    const channel = this.channel;
    this.channel = null;
    await channel?.close().catch(() => undefined);
  }
}

/** One message's events: a list (`task.multi`) or a single event; [] when not JSON. Pure. */
export function parseEvents(content: Buffer): EventFields[] {
  let body: unknown;
  try {
    body = JSON.parse(content.toString('utf8'));
  } catch {
    return [];
  }
  return (Array.isArray(body) ? body : [body]).filter(
    (e): e is EventFields => e !== null && typeof e === 'object' && !Array.isArray(e),
  );
}
