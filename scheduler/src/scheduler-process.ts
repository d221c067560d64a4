import {
  TaskClient,
  connectFleet,
  EMPTY_TOPOLOGY,
  startOpsServer,
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
 * Connects broker and Redis, starts the scheduler and (when SCHEDULER_HTTP_PORT > 0) the ops
 * server. stop() closes in order. It declares nothing: the queues belong to the workers that
 * consume them (burrow's or, during a switch-over, Python's, declared their way), and a fire
 * time whose queue does not exist yet fails loudly (mandatory publish, logged) and its claim is
 * released, instead of the task being dropped by the broker without a word.
 */
export async function runSchedulerProcess(
  config: BurrowConfig,
  schedulerConfig: SchedulerConfig,
  entries: readonly ResolvedEntry[],
  logger: Logger,
): Promise<SchedulerProcess> {
  const fleet = await connectFleet(config, logger, {
    topology: EMPTY_TOPOLOGY,
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
