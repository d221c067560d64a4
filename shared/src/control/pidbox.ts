import type { Channel, ConsumeMessage } from 'amqplib';
import type { BrokerConnection } from '../broker';
import type { LamportClock } from '../events';
import type { Logger } from '../logging';
import { isForNode } from './node-name';

/** Celery's control exchanges (`kombu.pidbox.Mailbox`, namespace `celery`). */
export const PIDBOX_EXCHANGE = 'celery.pidbox';
export const REPLY_EXCHANGE = 'reply.celery.pidbox';
/** As kombu declares them: transient, not durable, not auto-delete. */
export const PIDBOX_EXCHANGE_OPTIONS = { durable: false, autoDelete: false } as const;

/**
 * A control command: takes the request's `arguments`, returns the reply (`undefined`: none,
 * as for `shutdown` and `heartbeat`). A throw is answered `{"error": message}`.
 */
export type ControlCommand = (args: Record<string, unknown>) => unknown;

export interface PidboxServerOptions {
  readonly connection: BrokerConnection;
  readonly nodeName: string;
  readonly logger: Logger;
  readonly clock: LamportClock;
  readonly commands: Readonly<Record<string, ControlCommand>>;
}

interface ControlRequest {
  method?: unknown;
  arguments?: unknown;
  destination?: unknown;
  pattern?: unknown;
  matcher?: unknown;
  ticket?: unknown;
  reply_to?: { exchange?: unknown; routing_key?: unknown } | null;
}

/**
 * One worker's mailbox: `<node>.celery.pidbox`, bound to the `celery.pidbox` fanout, answering
 * Celery's remote control (`celery inspect`, `celery control`, Flower) on `reply.celery.pidbox`
 * as `{<node>: <reply>}` with the request's ticket. Re-opened on every reconnect.
 */
export class PidboxServer {
  private channel: Channel | null = null;
  private opening = false;
  private closed = false;
  private readonly onConnect = () => void this.open();

  constructor(private readonly options: PidboxServerOptions) {}

  get queueName(): string {
    return `${this.options.nodeName}.celery.pidbox`;
  }

  async start(): Promise<void> {
    this.options.connection.on('connect', this.onConnect);
    await this.open();
  }

  private async open(): Promise<void> {
    if (this.channel || this.opening || this.closed) return;
    const connection = this.options.connection.current;
    if (!connection) return;
    this.opening = true;
    const { logger } = this.options;
    try {
      const channel = await connection.createChannel();
      channel.on('error', (err: Error) =>
        logger.warn('control channel error', { error: err.message }),
      );
      channel.on('close', () => {
        if (this.channel !== channel) return;
        this.channel = null;
        if (!this.closed) setTimeout(() => void this.open(), 1_000).unref();
      });
      await channel.assertExchange(PIDBOX_EXCHANGE, 'fanout', PIDBOX_EXCHANGE_OPTIONS);
      await channel.assertExchange(REPLY_EXCHANGE, 'direct', PIDBOX_EXCHANGE_OPTIONS);
      await channel.assertQueue(this.queueName, {
        durable: false,
        autoDelete: true,
        exclusive: false,
        arguments: { 'x-message-ttl': 300_000, 'x-expires': 10_000 },
      });
      await channel.bindQueue(this.queueName, PIDBOX_EXCHANGE, '');
      await channel.consume(this.queueName, (msg) => this.onMessage(channel, msg), {
        noAck: true,
      });
      this.channel = channel;
    } catch (err) {
      logger.warn('cannot open the control mailbox; retrying on the next connect', {
        error: (err as Error).message,
      });
    } finally {
      this.opening = false;
    }
  }

  private onMessage(channel: Channel, message: ConsumeMessage | null): void {
    if (!message) return;
    const headers = message.properties.headers ?? {};
    this.options.clock.adjust(headers.clock);
    const expires = Number(headers.expires ?? 0);
    if (expires && Date.now() / 1000 > expires) return;
    let request: ControlRequest;
    try {
      request = JSON.parse(message.content.toString('utf8')) as ControlRequest;
    } catch {
      this.options.logger.warn('control message is not JSON; ignored');
      return;
    }
    if (!request || typeof request !== 'object' || typeof request.method !== 'string') return;
    if (!isForNode(this.options.nodeName, request)) return;
    void this.dispatch(channel, request);
  }

  private async dispatch(channel: Channel, request: ControlRequest): Promise<void> {
    const method = String(request.method);
    const command = Object.hasOwn(this.options.commands, method)
      ? this.options.commands[method]
      : undefined;
    const args =
      request.arguments && typeof request.arguments === 'object'
        ? (request.arguments as Record<string, unknown>)
        : {};
    let reply: unknown;
    if (!command) {
      reply = { error: `No such command: ${method}` };
    } else {
      try {
        reply = await command(args);
      } catch (err) {
        this.options.logger.warn('control command failed', {
          method,
          error: (err as Error).message,
        });
        reply = { error: (err as Error).message };
      }
    }
    const to = request.reply_to;
    if (reply === undefined || !to || typeof request.ticket !== 'string') return;
    try {
      channel.publish(
        typeof to.exchange === 'string' ? to.exchange : REPLY_EXCHANGE,
        String(to.routing_key ?? ''),
        Buffer.from(JSON.stringify({ [this.options.nodeName]: reply })),
        {
          contentType: 'application/json',
          contentEncoding: 'utf-8',
          deliveryMode: 1,
          headers: { ticket: request.ticket, clock: this.options.clock.forward() },
        },
      );
    } catch (err) {
      this.options.logger.warn('could not send the control reply', {
        method,
        error: (err as Error).message,
      });
    }
  }

  /** Stops answering; the auto-delete mailbox goes with the channel. */
  async close(): Promise<void> {
    this.closed = true;
    this.options.connection.off('connect', this.onConnect);
    const channel = this.channel;
    this.channel = null;
    await channel?.close().catch(() => undefined);
  }
}
