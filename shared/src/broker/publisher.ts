import type { ChannelWrapper } from 'amqp-connection-manager';
import { encodeTaskMessage, type TaskMessageInput } from '@burrow/contracts';
import { BrokerUnavailableError } from '../errors';
import type { BrokerConnection } from './broker-connection';
import { MAX_DELAY_SECONDS, delayEntryExchange, delayRoutingKey } from './delay-levels';

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
}

/**
 * Publishes with broker confirms. While the broker is away, publishes wait in a bounded buffer
 * for a bounded time, then fail with BrokerUnavailableError; nothing is dropped silently.
 */
export class Publisher {
  private pending = 0;

  private constructor(
    private readonly channel: ChannelWrapper,
    private readonly timeoutMs: number,
    private readonly maxBuffered: number,
  ) {}

  /** Opens the publishing channel on `connection` and resolves once it is usable. */
  static async create(
    connection: BrokerConnection,
    options: PublisherOptions = {},
  ): Promise<Publisher> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const channel = connection.createChannel('publisher', undefined, timeoutMs);
    await channel.waitForConnect();
    return new Publisher(channel, timeoutMs, options.maxBuffered ?? 10_000);
  }

  /** Resolves once the broker has confirmed the message is stored. */
  async publish(message: RawPublish): Promise<void> {
    if (this.pending >= this.maxBuffered) {
      throw new BrokerUnavailableError(
        `publish buffer full (${this.maxBuffered} messages waiting for the broker); not publishing ${message.routingKey}`,
      );
    }
    this.pending++;
    try {
      await this.channel.publish(message.exchange, message.routingKey, message.content, {
        ...message.properties,
        persistent: true,
        mandatory: false,
      });
    } catch (err) {
      const reason =
        (err as Error).message === 'timeout'
          ? `no confirm within ${this.timeoutMs}ms`
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
  }

  /**
   * Publishes a task to its queue, now or after `delaySeconds` (rounded up to whole seconds)
   * through the delay levels.
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
      await this.publish({
        exchange: delayEntryExchange(seconds),
        routingKey: delayRoutingKey(seconds, queue),
        content: encoded.content,
        properties,
      });
    } else {
      await this.publish({
        exchange: queue,
        routingKey: queue,
        content: encoded.content,
        properties,
      });
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
