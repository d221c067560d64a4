import type { BrokerConnection, EventFields, Logger, RedisResultStore } from '@burrow/shared';
import type { Redis } from 'ioredis';
import type { DashboardConfig } from '../api-config';
import { DeadLetters } from './dead-letters';
import { EventFeed } from './event-feed';
import { EventsEnabler } from './events-enabler';
import { FleetControl, WorkerInspector } from './fleet-control';
import { ManagementClient, managementTargets } from './management-api';
import { TaskHistory } from './task-history';
import { WorkerRegistry } from './worker-registry';

/** What the dashboard routes read from and act on. */
export interface DashboardSources {
  readonly workers: WorkerRegistry;
  readonly inspector: WorkerInspector;
  readonly management: ManagementClient;
  readonly history: TaskHistory;
  readonly deadLetters: DeadLetters;
  readonly results: RedisResultStore;
  /** Task queues the dead-letter routes accept. */
  readonly queues: readonly string[];
}

export interface Dashboard {
  readonly sources: DashboardSources;
  /** Stops consuming events and broadcasting; the connections stay the caller's. */
  close(): Promise<void>;
}

export interface DashboardOptions {
  readonly connection: BrokerConnection;
  readonly redis: Redis;
  readonly results: RedisResultStore;
  /** Every broker URL (RABBITMQ_URLS): the management API of each node, in this order. */
  readonly brokerUrls: readonly string[];
  readonly keyPrefix: string;
  readonly queues: readonly string[];
  readonly config: DashboardConfig;
  readonly logger: Logger;
}

/**
 * Wires the dashboard on the API's own connections: the event feed writes heartbeats and task
 * events to Redis, the enabler keeps task events on, and the sources read it all back.
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const { connection, redis, logger, keyPrefix } = options;
  const workers = new WorkerRegistry(redis, { keyPrefix });
  const history = new TaskHistory(redis, {
    keyPrefix,
    maxLength: options.config.historyMaxLength,
  });
  const control = new FleetControl(connection);
  const enabler = new EventsEnabler({
    control,
    logger,
    intervalSeconds: options.config.enableEventsSeconds,
  });
  const onEvents = async (events: EventFields[]) => {
    if (events.some((event) => event.type === 'worker-online')) enabler.nudge();
    await Promise.all([workers.record(events), history.append(events)]);
  };
  const feed = new EventFeed(connection, { logger, onEvents });
  await feed.start();
  enabler.start();
  const inspector = new WorkerInspector({ control, logger });
  return {
    sources: {
      workers,
      inspector,
      management: new ManagementClient(
        managementTargets(options.brokerUrls, options.config.managementUrl),
      ),
      history,
      deadLetters: new DeadLetters(connection, options.results),
      results: options.results,
      queues: options.queues,
    },
    close: async () => {
      enabler.stop();
      await feed.close();
      await inspector.settled();
      await control.close();
    },
  };
}
