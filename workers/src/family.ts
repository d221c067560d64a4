import type { QueueName } from '@burrow/contracts';
import {
  loadConfigFragment,
  type ConfigFragment,
  type Logger,
  type TaskDefinition,
  type BrokerConnection,
  type TaskClient,
  type TaskRegistry,
} from '@burrow/shared';
import type { Redis } from 'ioredis';
import type { BackendClient } from './providers/backend-client';

/** A dependency the health check can time: resolves when reachable, throws otherwise. */
export type Probe = (signal: AbortSignal) => Promise<void>;

/** What every family may build its providers from; owned and closed by the worker. */
export interface FamilyDeps {
  /** The worker's Redis (results, rate limits, task state), commands queued through outages. */
  readonly redis: Redis;
  /** REDIS_KEY_PREFIX, for every key a family writes. */
  readonly keyPrefix: string;
  /** RESULT_EXPIRES: task state a family keeps beside a result lives as long. */
  readonly resultExpiresSeconds: number;
  /** The product backend's HTTP API (BACKEND_API_URL), pooled. */
  readonly backend: BackendClient;
  /** Publishes catalogue tasks (validated as a client would), e.g. an email handed on to its queue. */
  readonly tasks: Pick<TaskClient, 'send'>;
  /** Reachability of the worker's own brokers. */
  readonly probes: { readonly rabbitmq: Probe; readonly redis: Probe };
  /**
   * The worker's current AMQP connection, undefined while it reconnects: for broker
   * administration (cleanup's dead-letter pruning), never for publishing or consuming.
   */
  readonly amqp: () => BrokerConnection['current'];
  readonly logger: Logger;
}

/** A family's providers: whatever its handlers reach through `ctx.services`, and `close()`. */
export interface FamilyServices {
  /** Closes what `createServices` opened (pools, SDK clients); the worker calls it last. */
  close(): Promise<void>;
}

/**
 * One task family as its author writes it: the tasks of one queue, the settings its providers
 * read, and how to build them.
 */
export interface TaskFamilyDefinition<C, S extends FamilyServices> {
  /** The queue its tasks run on. */
  readonly queue: QueueName;
  /** Heading of its section in the configuration table. */
  readonly title: string;
  readonly tasks: readonly TaskDefinition<S>[];
  readonly config: ConfigFragment<C>;
  createServices(config: C, deps: FamilyDeps): Promise<S>;
}

/**
 * A family as the worker uses it, whatever its config and services types. A worker loads
 * only the families of the queues it consumes, so a family's SDKs are imported by its own
 * workers only.
 */
export interface TaskFamily {
  readonly queue: QueueName;
  readonly title: string;
  /** The convict schema of its settings (documentation reads it). */
  readonly configSchema: ConfigFragment<unknown>['schema'];
  /**
   * Reads its settings from `env` (a bad value fails the start, naming the variable), builds
   * its services and registers its handlers with them. The worker closes what it returns.
   */
  start(env: NodeJS.ProcessEnv, deps: FamilyDeps, registry: TaskRegistry): Promise<FamilyServices>;
}

/** Checks a family's parts fit together: its tasks' queue, its config type and its services. */
export function defineFamily<C, S extends FamilyServices>(
  family: TaskFamilyDefinition<C, S>,
): TaskFamily {
  for (const { contract } of family.tasks) {
    if (contract.queue !== family.queue)
      throw new Error(`${contract.name} runs on ${contract.queue}, not on ${family.queue}`);
  }
  return Object.freeze({
    queue: family.queue,
    title: family.title,
    configSchema: family.config.schema,
    start: async (env: NodeJS.ProcessEnv, deps: FamilyDeps, registry: TaskRegistry) => {
      const services = await family.createServices(loadConfigFragment(family.config, env), deps);
      registry.add(family.tasks, services);
      return services;
    },
  });
}
