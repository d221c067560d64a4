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
): Promise<{ client: TaskClient; results: RedisResultStore; close(): Promise<void> }> {
  const logger = createLogger({ service: 'test-client', silent: true });
  const connection = await BrokerConnection.connect({
    url: AMQP_URL,
    logger,
    topology: taskQueuesTopology(queues),
  });
  const publisher = new Publisher(connection);
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
