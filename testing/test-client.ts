import {
  RedisResultStore,
  TaskClient,
  connectFleet,
  createLogger,
  taskQueuesTopology,
} from '@burrow/shared';
import { stackFleetConfig } from './stack';

/** A TaskClient on the local stack, as an application would build one; close() when done. */
export async function connectTestClient(
  queues: string[] = [],
  options: {
    publishTimeoutMs?: number;
    /** @default AMQP_URL */
    amqpUrl?: string;
    /** The workers' REDIS_KEY_PREFIX. @default '' */
    keyPrefix?: string;
  } = {},
): Promise<{ client: TaskClient; results: RedisResultStore; close(): Promise<void> }> {
  const logger = createLogger({ service: 'test-client', silent: true });
  const fleet = await connectFleet(
    stackFleetConfig({
      ...(options.publishTimeoutMs ? { publishTimeoutMs: options.publishTimeoutMs } : {}),
      ...(options.amqpUrl ? { amqpUrl: options.amqpUrl } : {}),
      ...(options.keyPrefix ? { keyPrefix: options.keyPrefix } : {}),
    }),
    logger,
    { topology: taskQueuesTopology(queues), connectionName: 'test client', subscriber: true },
  );
  const { publisher, results } = fleet;
  return {
    client: new TaskClient({ publisher, results, subscriber: fleet.subscriber! }),
    results,
    close: () => fleet.close(),
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
