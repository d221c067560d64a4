import { randomBytes, randomUUID } from 'node:crypto';
import amqplib, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { Redis } from 'ioredis';
import { encodeTaskMessage } from '@burrow/contracts';
import {
  applyTopology,
  deadQueueName,
  delayLevelsTopology,
  mergeTopologies,
  taskQueuesTopology,
  type Topology,
} from '@burrow/shared';
import { startProgress } from './format';

export const BENCH_TASK = 'bench.noop';
const PUBLISH_BATCH = 1_000;

/** One measured run's private namespace: a fresh queue and a Redis key prefix. */
export interface RunNamespace {
  readonly queue: string;
  readonly keyPrefix: string;
}

export function freshNamespace(label: string): RunNamespace {
  const tag = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  return { queue: `bench.${label}.${tag}`, keyPrefix: `bench-${tag}:` };
}

/** Fleet settings for a bench run, as `connectFleet` takes them. */
export function benchFleetConfig(amqpUrl: string, redisUrl: string, keyPrefix = '') {
  return {
    rabbitmq: { url: amqpUrl, heartbeatSeconds: 15 },
    redis: { url: redisUrl, keyPrefix },
    results: { expiresSeconds: 3_600 },
    publish: { timeoutSeconds: 10, maxBuffered: 10_000 },
  } as const;
}

/** What burrow's worker declares for a queue: the task queue, its dead letters, the delay levels. */
export function burrowTopology(queue: string): Topology {
  return mergeTopologies(taskQueuesTopology([queue]), delayLevelsTopology([queue]));
}

/**
 * The bench's own AMQP connection for declaring, filling and deleting queues. It is not the
 * connection of either measured consumer.
 */
export class QueueFixture {
  private constructor(
    private readonly connection: ChannelModel,
    private readonly channel: ConfirmChannel,
  ) {}

  static async connect(url: string): Promise<QueueFixture> {
    const connection = await amqplib.connect(url, {
      clientProperties: { connection_name: 'bench fixture' },
    });
    const channel = await connection.createConfirmChannel();
    return new QueueFixture(connection, channel);
  }

  async declare(topology: Topology): Promise<void> {
    await applyTopology(this.channel, topology);
  }

  /**
   * Publishes `count` no-op Celery protocol v2 messages to the queue's exchange, persistent,
   * waiting for the broker's confirms every batch. Not timed.
   */
  async fill(queue: string, count: number, label: string): Promise<void> {
    let published = 0;
    const stop = startProgress(label, count, 'published', () => published);
    try {
      while (published < count) {
        const batch = Math.min(PUBLISH_BATCH, count - published);
        for (let i = 0; i < batch; i++) {
          const id = randomUUID();
          const encoded = encodeTaskMessage({ id, task: BENCH_TASK, args: [], kwargs: {} });
          this.channel.publish(queue, queue, encoded.content, {
            contentType: encoded.contentType,
            contentEncoding: encoded.contentEncoding,
            correlationId: encoded.correlationId,
            headers: encoded.headers,
            persistent: true,
          });
        }
        await this.channel.waitForConfirms();
        published += batch;
      }
    } finally {
      stop();
    }
    const { messageCount } = await this.channel.checkQueue(queue);
    if (messageCount !== count) {
      throw new Error(`queue ${queue} holds ${messageCount} messages after publishing ${count}`);
    }
  }

  async messageCount(queue: string): Promise<number> {
    return (await this.channel.checkQueue(queue)).messageCount;
  }

  /** Deletes the run's queue, its dead-letter queue and its exchange. */
  async remove(queue: string): Promise<void> {
    await this.channel.deleteQueue(queue);
    await this.channel.deleteQueue(deadQueueName(queue));
    await this.channel.deleteExchange(queue);
  }

  async close(): Promise<void> {
    await this.channel.close().catch(() => undefined);
    await this.connection.close().catch(() => undefined);
  }
}

/**
 * Deletes a run's queues and exchange over a connection of its own, so cleanup works even
 * when the run failed because its connection died.
 */
export async function removeRunQueues(url: string, queue: string): Promise<void> {
  const fixture = await QueueFixture.connect(url);
  try {
    await fixture.remove(queue);
  } finally {
    await fixture.close();
  }
}

/** SCAN + UNLINK every key under a run's prefix, in batches, so Redis does not grow. */
export async function unlinkPrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let removed = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 2_000);
    cursor = next;
    if (keys.length > 0) removed += await redis.unlink(...keys);
  } while (cursor !== '0');
  return removed;
}
