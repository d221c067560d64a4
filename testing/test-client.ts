import type { Redis } from 'ioredis';
import {
  BrokerConnection,
  Publisher,
  RedisResultStore,
  TaskClient,
  connectRedis,
  createLogger,
  taskQueuesTopology,
} from '@burrow/shared';
import { AMQP_URL, REDIS_URL } from './stack';

/** A TaskClient on the local stack, as an application would build one; close() when done. */
export async function connectTestClient(
  queues: string[] = [],
  options: { publishTimeoutMs?: number } = {},
): Promise<{ client: TaskClient; results: RedisResultStore; close(): Promise<void> }> {
  const logger = createLogger({ service: 'test-client', silent: true });
  const connection = await BrokerConnection.connect({
    url: AMQP_URL,
    logger,
    topology: taskQueuesTopology(queues),
  });
  const publisher = new Publisher(connection, { timeoutMs: options.publishTimeoutMs ?? 10_000 });
  const redis: Redis = await connectRedis(REDIS_URL, 'client', logger);
  const subscriber: Redis = await connectRedis(REDIS_URL, 'subscriber', logger);
  const results = new RedisResultStore(redis);
  return {
    client: new TaskClient({ publisher, results, subscriber }),
    results,
    close: async () => {
      await publisher.close();
      await connection.close();
      redis.disconnect();
      subscriber.disconnect();
    },
  };
}

/** How many of `ids` are in each state, e.g. { SUCCESS: 10000 }. */
export async function countStatuses(
  results: RedisResultStore,
  ids: readonly string[],
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < ids.length; i += 1_000) {
    for (const meta of await results.getMany(ids.slice(i, i + 1_000))) {
      const status = meta?.status ?? 'PENDING';
      counts[status] = (counts[status] ?? 0) + 1;
    }
  }
  return counts;
}
