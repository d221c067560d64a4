import { randomUUID } from 'node:crypto';
import type { Channel, ChannelModel } from 'amqplib';
import { PIDBOX_EXCHANGE, PIDBOX_EXCHANGE_OPTIONS, REPLY_EXCHANGE } from './pidbox';

export interface BroadcastOptions {
  readonly arguments?: Record<string, unknown>;
  /** Node names; empty or absent = every node. */
  readonly destination?: readonly string[];
  /** Wait for replies. @default true */
  readonly reply?: boolean;
  /** Seconds to wait after the last reply. @default 1 */
  readonly timeoutSeconds?: number;
  /** Stop after this many replies (the destination's length by default). */
  readonly limit?: number;
}

/** Replies by node name. */
export type Replies = Record<string, unknown>;

/**
 * Celery's remote-control client (`app.control.broadcast`) for burrow's CLI: publishes a
 * command on `celery.pidbox` and gathers `{node: reply}` messages carrying its ticket from its
 * own `<oid>.reply.celery.pidbox` queue, until `timeout` passes without one.
 */
export class ControlClient {
  private constructor(
    private readonly channel: Channel,
    private readonly oid: string,
    private readonly replyQueue: string,
  ) {}

  static async open(amqp: ChannelModel): Promise<ControlClient> {
    const channel = await amqp.createChannel();
    await channel.assertExchange(PIDBOX_EXCHANGE, 'fanout', PIDBOX_EXCHANGE_OPTIONS);
    await channel.assertExchange(REPLY_EXCHANGE, 'direct', PIDBOX_EXCHANGE_OPTIONS);
    const oid = randomUUID();
    const queue = `${oid}.${REPLY_EXCHANGE}`;
    await channel.assertQueue(queue, {
      durable: false,
      autoDelete: true,
      exclusive: false,
      arguments: { 'x-expires': 10_000 },
    });
    await channel.bindQueue(queue, REPLY_EXCHANGE, oid);
    return new ControlClient(channel, oid, queue);
  }

  async broadcast(method: string, options: BroadcastOptions = {}): Promise<Replies> {
    const reply = options.reply ?? true;
    const ticket = randomUUID();
    const timeoutMs = (options.timeoutSeconds ?? 1) * 1000;
    const destination = options.destination?.length ? [...options.destination] : null;
    const limit = options.limit ?? destination?.length ?? Infinity;
    const replies: Replies = {};
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    let timer: NodeJS.Timeout | undefined;
    const restart = () => {
      clearTimeout(timer);
      timer = setTimeout(done, timeoutMs);
    };
    let tag: string | null = null;
    if (reply) {
      const consumed = await this.channel.consume(
        this.replyQueue,
        (msg) => {
          if (!msg || msg.properties.headers?.ticket !== ticket) return;
          try {
            Object.assign(replies, JSON.parse(msg.content.toString('utf8')) as Replies);
          } catch {
            return;
          }
          if (Object.keys(replies).length >= limit) done();
          else restart();
        },
        { noAck: true },
      );
      tag = consumed.consumerTag;
    }
    const body = {
      method,
      arguments: options.arguments ?? {},
      destination,
      pattern: null,
      matcher: null,
      ...(reply ? { ticket, reply_to: { exchange: REPLY_EXCHANGE, routing_key: this.oid } } : {}),
    };
    this.channel.publish(PIDBOX_EXCHANGE, '', Buffer.from(JSON.stringify(body)), {
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      deliveryMode: 1,
      headers: { clock: 1, expires: Date.now() / 1000 + Math.max(timeoutMs / 1000, 1) },
    });
    if (!reply) return {};
    restart();
    await finished;
    clearTimeout(timer);
    if (tag) await this.channel.cancel(tag).catch(() => undefined);
    return replies;
  }

  async close(): Promise<void> {
    await this.channel.close().catch(() => undefined);
  }
}
