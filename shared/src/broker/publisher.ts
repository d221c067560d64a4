import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel, Message } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { encodeTaskMessage, type TaskMessageInput } from '@burrow/contracts';
import { BrokerUnavailableError } from '../errors';
import type { BrokerConnection } from './broker-connection';
import { MAX_DELAY_SECONDS, delayEntryExchange, delayRoutingKey } from './delay-levels';
import { DelayRoutes, UnroutableTaskError } from './delay-routes';

export interface PublisherOptions {
  /** How long one publish may wait for a connection and the broker's confirm. @default 10000 */
  readonly timeoutMs?: number;
  /** Publishes that may wait at once; beyond it, publishing fails at once. @default 10000 */
  readonly maxBuffered?: number;
}

export interface RawPublish {
  readonly exchange: string;
  readonly routingKey: string;
  readonly content: Buffer;
  readonly properties: {
    contentType?: string;
    contentEncoding?: string;
    correlationId?: string;
    messageId?: string;
    headers?: Record<string, unknown>;
    priority?: number;
  };
  /**
   * Fail with UnroutableTaskError when no queue takes the message (the broker returns it)
   * instead of letting the broker drop it. @default false
   */
  readonly mandatory?: boolean;
}

/**
 * Publishes with broker confirms. While the broker is away, publishes wait in a bounded buffer
 * for a bounded time, then fail with BrokerUnavailableError; nothing is dropped silently.
 * Tasks are published mandatory, so one sent to a queue that does not exist fails with an
 * UnroutableTaskError naming the queue: publishers declare no queues of their own.
 */
export class Publisher {
  private pending = 0;
  private constructor(
    private readonly channel: ChannelWrapper,
    private readonly delayRoutes: DelayRoutes,
    /** Message ids of mandatory publishes the broker returned, with its reply text. */
    private readonly returned: Map<string, string>,
    private readonly timeoutMs: number,
    private readonly maxBuffered: number,
  ) {}

  /** Opens the publishing channel on `connection` and resolves once it is usable. */
  static async create(
    connection: BrokerConnection,
    options: PublisherOptions = {},
  ): Promise<Publisher> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const returned = new Map<string, string>();
    // RabbitMQ sends basic.return before the confirm of the same message, so a returned
    // message is recorded here before its publish resolves and checks the record.
    const watchReturns = (channel: ConfirmChannel): Promise<void> => {
      channel.on('return', (message: Message) => {
        const id = message.properties.messageId as string | undefined;
        const reply = message.fields as unknown as { replyCode?: number; replyText?: string };
        if (id) returned.set(id, `${reply.replyCode ?? ''} ${reply.replyText ?? ''}`.trim());
      });
      return Promise.resolve();
    };
    const channel = connection.createChannel('publisher', watchReturns, timeoutMs);
    await channel.waitForConnect();
    return new Publisher(
      channel,
      new DelayRoutes(connection),
      returned,
      timeoutMs,
      options.maxBuffered ?? 10_000,
    );
  }

  /**
   * Resolves once the broker has confirmed the message is stored. A message whose channel
   * closed before its confirm (the broker node died, a cluster failover) is published once more
   * on the next connection when `resendOnClose` is set: the first copy may or may not have
   * been stored, so only messages whose duplicates are harmless (tasks, deduplicated by their
   * id) may ask for it.
   */
  async publish(message: RawPublish, resendOnClose = false): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    try {
      await this.publishOnce(message, this.timeoutMs);
    } catch (err) {
      const remaining = deadline - Date.now();
      if (!resendOnClose || !isChannelClosed(err) || remaining <= 0) throw err;
      await this.publishOnce(message, remaining);
    }
  }

  private async publishOnce(message: RawPublish, timeoutMs: number): Promise<void> {
    if (this.pending >= this.maxBuffered) {
      throw new BrokerUnavailableError(
        `publish buffer full (${this.maxBuffered} messages waiting for the broker); not publishing ${message.routingKey}`,
      );
    }
    this.pending++;
    const mandatory = message.mandatory ?? false;
    const messageId = message.properties.messageId ?? (mandatory ? randomUUID() : undefined);
    try {
      await this.channel.publish(message.exchange, message.routingKey, message.content, {
        ...message.properties,
        ...(messageId ? { messageId } : {}),
        persistent: true,
        mandatory,
        timeout: timeoutMs,
      });
    } catch (err) {
      const reason =
        (err as Error).message === 'timeout'
          ? `no confirm within ${timeoutMs}ms`
          : (err as Error).message;
      throw new BrokerUnavailableError(
        `publish to ${message.exchange || '(default)'}/${message.routingKey} failed: ${reason}`,
        {
          cause: err,
        },
      );
    } finally {
      this.pending--;
    }
    const returnedAs = messageId === undefined ? undefined : this.returned.get(messageId);
    if (returnedAs !== undefined) {
      this.returned.delete(messageId!);
      throw new UnroutableTaskError(
        `no queue took the message published to ${message.exchange || '(default exchange)'}/${message.routingKey} (broker: ${returnedAs}): no queue named '${message.routingKey}' exists in this virtual host; start a worker that consumes it (it declares the queue), or check the task's routing`,
        message.routingKey,
      );
    }
  }

  /**
   * Publishes a task to its queue, now or after `delaySeconds` (rounded up to whole seconds)
   * through the delay levels. Now: through the default exchange, as Celery publishes, which
   * exists in every virtual host, so a missing queue is a returned message and not a closed
   * channel. Later: the queue's binding to the delay levels is made sure of first.
   */
  async publishTask(queue: string, input: TaskMessageInput, delaySeconds = 0): Promise<void> {
    const encoded = encodeTaskMessage(input);
    const properties = {
      contentType: encoded.contentType,
      contentEncoding: encoded.contentEncoding,
      correlationId: encoded.correlationId,
      headers: encoded.headers,
    };
    const seconds = Math.ceil(delaySeconds);
    if (seconds > MAX_DELAY_SECONDS) {
      throw new RangeError(
        `delay of ${seconds}s is beyond the longest supported delay (${MAX_DELAY_SECONDS}s)`,
      );
    }
    if (seconds >= 1) {
      await this.delayRoutes.ensure(queue);
      await this.publish(
        {
          exchange: delayEntryExchange(seconds),
          routingKey: delayRoutingKey(seconds, queue),
          content: encoded.content,
          properties,
          mandatory: true,
        },
        true,
      );
    } else {
      await this.publish(
        {
          exchange: '',
          routingKey: queue,
          content: encoded.content,
          properties,
          mandatory: true,
        },
        true,
      );
    }
  }

  /** Messages currently waiting for the broker. */
  get buffered(): number {
    return this.pending;
  }

  async close(): Promise<void> {
    await this.channel.close();
  }
}

/** A publish failed because its channel or connection went away before the confirm. */
function isChannelClosed(err: unknown): boolean {
  if (!(err instanceof BrokerUnavailableError)) return false;
  const cause = (err as { cause?: unknown }).cause;
  const message = cause instanceof Error ? cause.message : String(cause ?? '');
  return /closed|connection|socket/i.test(message) && !/timeout/i.test(message);
}
