import type { Channel } from 'amqplib';
import type { BrokerConnection } from '../broker';
import type { Logger } from '../logging';

/** Celery's event exchange: topic on AMQP, durable, as `celery.events` declares it. */
export const EVENT_EXCHANGE = 'celeryev';
export const EVENT_EXCHANGE_OPTIONS = { durable: true, autoDelete: false } as const;

export interface EventDispatcherOptions {
  /** The node name events carry (`hostname`). */
  readonly hostname: string;
  readonly logger: Logger;
  /** Task events waiting for the broker at most; the oldest are dropped beyond. @default 10000 */
  readonly maxBuffered?: number;
  /** Task events are sent at least this often. @default 100 */
  readonly flushMs?: number;
  /** A batch is sent at once when it reaches this size. @default 200 */
  readonly batchSize?: number;
  /** Lamport clock shared with remote control. */
  readonly clock: LamportClock;
}

/** Celery's logical clock (`kombu.clocks.LamportClock`), carried by events and replies. */
export class LamportClock {
  value = 0;
  forward(): number {
    return ++this.value;
  }
  adjust(other: unknown): number {
    const n = typeof other === 'number' ? other : Number(other);
    this.value = Math.max(this.value, Number.isFinite(n) ? n : 0) + 1;
    return this.value;
  }
}

export type EventFields = Record<string, unknown>;

/**
 * Publishes Celery events on `celeryev`, fire and forget: no confirms, transient, never awaited
 * on the task path. Task events are batched into one `task.multi` message (a list body, which
 * Celery's receivers read since 4.0) every `flushMs` or `batchSize` events; worker events go out
 * at once. While the broker is away events wait in a bounded buffer and the oldest are dropped:
 * monitoring must never hold tasks back.
 */
export class EventDispatcher {
  private channel: Channel | null = null;
  private opening = false;
  private buffer: EventFields[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Events dropped because the buffer was full. */
  dropped = 0;
  private readonly maxBuffered: number;
  private readonly flushMs: number;
  private readonly batchSize: number;
  private connection: BrokerConnection | null = null;
  private readonly onConnect = () => void this.open();
  private readonly utcoffset = Math.floor(new Date().getTimezoneOffset() / 60);

  constructor(private readonly options: EventDispatcherOptions) {
    this.maxBuffered = options.maxBuffered ?? 10_000;
    this.flushMs = options.flushMs ?? 100;
    this.batchSize = options.batchSize ?? 200;
  }

  /**
   * Publishes on `connection` from now on, and again after each reconnect. Give it a connection
   * of its own: RabbitMQ's flow control throttles a connection that publishes a lot, and a
   * consumer sharing it would see its acks slowed (measured: events on the consumer's
   * connection cut the drain bench's rate by half; on their own, by nothing measurable).
   */
  async start(connection: BrokerConnection): Promise<void> {
    this.connection = connection;
    connection.on('connect', this.onConnect);
    await this.open();
  }

  /**
   * Adds the fields every event carries, as `EventDispatcher.publish` does, to `fields` (a
   * fresh object of the caller's): assigning them costs nothing measurable, where spreading
   * `fields` into a new object with six more keys costs microseconds per event in V8.
   */
  event(type: string, fields: EventFields): EventFields {
    fields.hostname = this.options.hostname;
    fields.utcoffset = this.utcoffset;
    fields.pid = process.pid;
    fields.clock = this.options.clock.forward();
    fields.timestamp = Date.now() / 1000;
    fields.type = type;
    return fields;
  }

  /** Queues a task event for the next batch. */
  send(type: string, fields: EventFields): void {
    if (this.closed) return;
    if (this.buffer.length >= this.maxBuffered) {
      this.buffer.shift();
      this.dropped++;
    }
    this.buffer.push(this.event(type, fields));
    if (this.buffer.length >= this.batchSize) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  /** Sends one event now (worker events), if connected. */
  sendNow(type: string, fields: EventFields): boolean {
    const event = this.event(type, fields);
    return this.publish(type.replace(/-/g, '.'), event);
  }

  /** Sends the buffered task events (kept when not connected). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0 || !this.channel) return;
    const batch = this.buffer;
    this.buffer = [];
    const first = batch[0]!;
    if (batch.length === 1) this.publish(String(first.type).replace(/-/g, '.'), first);
    else this.publish('task.multi', batch);
  }

  private publish(routingKey: string, body: unknown): boolean {
    const channel = this.channel;
    if (!channel) return false;
    try {
      channel.publish(EVENT_EXCHANGE, routingKey, Buffer.from(JSON.stringify(body)), {
        contentType: 'application/json',
        contentEncoding: 'utf-8',
        deliveryMode: 1,
        headers: { hostname: this.options.hostname },
      });
      return true;
    } catch (err) {
      this.options.logger.debug('event not sent', { error: (err as Error).message });
      return false;
    }
  }

  private async open(): Promise<void> {
    if (this.channel || this.opening || this.closed) return;
    const connection = this.connection?.current;
    if (!connection) return;
    this.opening = true;
    try {
      const channel = await connection.createChannel();
      channel.on('error', (err: Error) =>
        this.options.logger.warn('event channel error', { error: err.message }),
      );
      channel.on('close', () => {
        if (this.channel === channel) this.channel = null;
      });
      await channel.assertExchange(EVENT_EXCHANGE, 'topic', EVENT_EXCHANGE_OPTIONS);
      this.channel = channel;
      this.flush();
    } catch (err) {
      this.options.logger.warn('cannot open the event channel; events wait for the next connect', {
        error: (err as Error).message,
      });
    } finally {
      this.opening = false;
    }
  }

  /** Sends what is buffered and closes the channel (after `worker-offline`). */
  async close(): Promise<void> {
    this.flush();
    this.closed = true;
    clearTimeout(this.timer);
    this.connection?.off('connect', this.onConnect);
    const channel = this.channel;
    this.channel = null;
    await channel?.close().catch(() => undefined);
  }
}
