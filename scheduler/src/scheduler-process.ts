import {
  TaskClient,
  connectFleet,
  startOpsServer,
  taskQueuesTopology,
  type BurrowConfig,
  type Logger,
} from '@burrow/shared';
import type { ResolvedEntry } from './load-schedule';
import type { SchedulerConfig } from './scheduler-config';
import { SchedulerMetrics } from './scheduler-metrics';
import { startScheduler } from './scheduler';
import { SlotPublisher } from './slot-publisher';
import { SlotStore } from './slot-store';

export interface SchedulerProcess {
  stop(): Promise<void>;
}

/**
 * Connects broker and Redis, declares the queues the entries publish to, starts the scheduler
 * and (when SCHEDULER_HTTP_PORT > 0) the ops server. stop() closes in order.
 */
export async function runSchedulerProcess(
  config: BurrowConfig,
  schedulerConfig: SchedulerConfig,
  entries: readonly ResolvedEntry[],
  logger: Logger,
): Promise<SchedulerProcess> {
  const queues = [...new Set(entries.map((e) => e.queue))];
  const fleet = await connectFleet(config, logger, {
    topology: taskQueuesTopology(queues),
    connectionName: 'burrow-scheduler',
  });
  const { publisher, redis, results } = fleet;
  // The scheduler never waits for results, so the subscriber connection is never subscribed.
  const client = new TaskClient({
    publisher,
    results,
    subscriber: redis,
    origin: 'burrow-scheduler',
  });
  const metrics = new SchedulerMetrics();
  const slots = new SlotStore({
    redis,
    keyPrefix: config.redis.keyPrefix,
    claimTtlSeconds: schedulerConfig.claimTtlSeconds,
    claimLeaseSeconds: schedulerConfig.claimLeaseSeconds,
  });
  const slotPublisher = new SlotPublisher({ client, slots, logger, metrics });
  const scheduler = await startScheduler({ entries, publisher: slotPublisher, slots, logger });
  const ops =
    schedulerConfig.httpPort > 0
      ? await startOpsServer({
          port: schedulerConfig.httpPort,
          registry: metrics.registry,
          ready: scheduler.ready,
        })
      : null;
  return {
    stop: async () => {
      await scheduler.stop();
      await ops?.close();
      await fleet.close();
    },
  };
}
