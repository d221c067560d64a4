import { CATALOGUE, QUEUES } from '@burrow/contracts';
import {
  TaskClient,
  TaskConsumer,
  TaskMetrics,
  TaskRegistry,
  WorkerControl,
  connectFleet,
  delayLevelsTopology,
  describeRedisTarget,
  loadConfigFragment,
  mergeTopologies,
  startOpsServer,
  taskQueuesTopology,
  type BurrowConfig,
  type FleetConnection,
  type Logger,
  redactUrl,
  type TaskDefinition,
} from '@burrow/shared';
import { loadFamilies } from './families';
import type { FamilyDeps, FamilyServices } from './family';
import { BackendClient } from './providers/backend-client';
import { backendConfig } from './providers/backend-config';
import { loadTaskModules, type TaskModuleServices } from './task-modules';

export interface WorkerSettings {
  /** Queues to consume; empty = every known queue. */
  readonly queues: readonly string[];
  readonly concurrency: number;
  readonly prefetch?: number | undefined;
  /** Where the families read their providers' settings (the entry point passes process.env). */
  readonly env: NodeJS.ProcessEnv;
  /** Called once when resident memory passes WORKER_MAX_MEMORY_MB; the CLI drains and exits. */
  readonly onMemoryCap?: (rssMb: number) => void;
  /** Called when remote control (`celery control shutdown`) asks the worker to stop. */
  readonly onRemoteShutdown?: () => void;
}

export interface RunningWorker {
  readonly queues: readonly string[];
  readonly httpPort: number | null;
  /** Remote-control node name (`celery inspect -d <node>`), unique per process. */
  readonly nodeName: string;
  readonly isReady: () => boolean;
  /** Graceful: stop taking tasks, finish running ones within the grace period, close. */
  stop(): Promise<void>;
}

/**
 * Wires one worker process: the families of the queues it consumes (and only those), the
 * fleet connection, the registry, the consumer and its probes. Families' settings are read
 * here, so a bad SMTP_PORT fails an email worker's start and nothing else's.
 */
export async function startWorker(
  config: BurrowConfig,
  settings: WorkerSettings,
  logger: Logger,
): Promise<RunningWorker> {
  const userTasks = loadTaskModules(config.worker.taskModules);
  const known = [...new Set([...QUEUES, ...userTasks.map((t) => t.contract.queue)])].sort();
  const queues = consumedQueues(settings.queues, known);
  const backendSettings = loadConfigFragment(backendConfig, settings.env);
  const backend = new BackendClient({
    baseUrl: backendSettings.url,
    apiKey: backendSettings.apiKey,
    timeoutSeconds: backendSettings.timeoutSeconds,
  });
  const queueType = config.rabbitmq.queueType;
  if (queueType === 'classic')
    logger.warn(
      'QUEUE_TYPE=classic: classic queues carry no x-delivery-count, so a message handed back again and again is not dead-lettered by WORKER_MAX_REDELIVERIES; WORKER_MAX_DELIVERIES still bounds tasks that crash the worker. Move to quorum queues after the switch-over (docs/switch-from-celery.md)',
      { queues: queues.join(',') },
    );
  const fleet = await connectFleet(config, logger, {
    // Only the queues this worker consumes: others may be a Python worker's, declared its way.
    topology: mergeTopologies(taskQueuesTopology(queues, queueType), delayLevelsTopology(queues)),
    connectionName: `${config.worker.name} worker`,
    redisRole: 'worker',
  }).catch(async (err: unknown) => {
    await backend.close();
    throw err;
  });
  const closeAll: (() => Promise<void>)[] = [() => fleet.close(), () => backend.close()];
  try {
    const registry = new TaskRegistry(catalogueContracts(queues));
    const deps = familyDeps(config, fleet, backend, queues, logger);
    for (const services of await startFamilies(queues, settings.env, deps, registry))
      closeAll.push(() => services.close());
    registry.add(userTasks, { backend } satisfies TaskModuleServices);
    return await startConsuming(config, settings, logger, { fleet, registry, queues, closeAll });
  } catch (err) {
    for (const close of closeAll.reverse()) await close().catch(() => undefined);
    throw err;
  }
}

function consumedQueues(requested: readonly string[], known: readonly string[]): string[] {
  if (requested.length === 0) return [...known];
  const unknown = requested.filter((q) => !known.includes(q));
  if (unknown.length > 0)
    throw new Error(
      `no tasks are registered on queue(s) ${unknown.join(', ')}; known queues: ${known.join(', ')}`,
    );
  return [...requested];
}

/** Every catalogue task of these queues, so one without a handler fails with a clear error. */
function catalogueContracts(queues: readonly string[]): TaskDefinition<undefined>[] {
  return CATALOGUE.filter((c) => queues.includes(c.queue)).map((contract) => ({ contract }));
}

function familyDeps(
  config: BurrowConfig,
  fleet: FleetConnection,
  backend: BackendClient,
  queues: readonly string[],
  logger: Logger,
): FamilyDeps {
  const { connection, redis } = fleet;
  return {
    redis,
    keyPrefix: config.redis.keyPrefix,
    resultExpiresSeconds: config.results.expiresSeconds,
    backend,
    // Families only send (typed so): `wait`, the one use of the subscriber, is out of reach.
    tasks: new TaskClient({
      publisher: fleet.publisher,
      results: fleet.results,
      subscriber: redis,
      origin: config.worker.name,
    }),
    logger,
    amqp: () => connection.current,
    probes: {
      rabbitmq: async () => {
        const amqp = connection.current;
        if (!amqp) throw new Error('not connected');
        const channel = await amqp.createChannel();
        try {
          await channel.checkQueue(queues[0] ?? 'celery');
        } finally {
          await channel.close().catch(() => undefined);
        }
      },
      redis: async () => {
        if ((await redis.ping()) !== 'PONG') throw new Error('unexpected PING reply');
      },
    },
  };
}

/** Loads and starts the families of `queues`; on a failure, closes the ones already started. */
async function startFamilies(
  queues: readonly string[],
  env: NodeJS.ProcessEnv,
  deps: FamilyDeps,
  registry: TaskRegistry,
): Promise<FamilyServices[]> {
  const started: FamilyServices[] = [];
  try {
    for (const family of loadFamilies(queues))
      started.push(await family.start(env, deps, registry));
    return started;
  } catch (err) {
    for (const services of started.reverse()) await services.close().catch(() => undefined);
    throw err;
  }
}

async function startConsuming(
  config: BurrowConfig,
  settings: WorkerSettings,
  logger: Logger,
  parts: {
    fleet: FleetConnection;
    registry: TaskRegistry;
    queues: string[];
    closeAll: (() => Promise<void>)[];
  },
): Promise<RunningWorker> {
  const { fleet, registry, queues, closeAll } = parts;
  const metrics = new TaskMetrics({ worker: config.worker.name });
  const control = workerControl(config, settings, fleet, logger);
  await control.prepare();
  closeAll.unshift(() => control.stop());
  const consumer = new TaskConsumer({
    connection: fleet.connection,
    publisher: fleet.publisher,
    results: fleet.results,
    redis: fleet.redis,
    registry,
    logger,
    queues,
    concurrency: settings.concurrency,
    ...(settings.prefetch ? { prefetch: settings.prefetch } : {}),
    workerName: config.worker.name,
    maxDeliveries: config.worker.maxDeliveries,
    maxRedeliveries: config.worker.maxRedeliveries,
    maxContinuations: config.worker.maxContinuations,
    redisBudgetSeconds: config.worker.redisBudgetSeconds,
    shutdownGraceSeconds: config.worker.shutdownGraceSeconds,
    trackStarted: config.worker.trackStarted,
    onSettled: metrics.record,
    ...control.consumerOptions,
  });
  await consumer.start();
  await control.start(consumer, registry);
  const ops =
    config.worker.httpPort > 0
      ? await startOpsServer({
          port: config.worker.httpPort,
          registry: metrics.registry,
          ready: () => consumer.ready,
        })
      : null;
  if (ops)
    logger.info('ops endpoints listening', { port: ops.port, paths: '/metrics /healthz /readyz' });
  const memoryWatch = watchMemory(config.worker.maxMemoryMb, settings.onMemoryCap);
  return {
    queues,
    httpPort: ops?.port ?? null,
    nodeName: control.nodeName,
    isReady: () => consumer.ready,
    stop: async () => {
      clearInterval(memoryWatch);
      await consumer.stop();
      await ops?.close();
      // Broker and Redis first (nothing in flight any more), then the families' providers.
      for (const close of closeAll) await close().catch(() => undefined);
    },
  };
}

/** Remote control, revocations and events of this worker (started by `startConsuming`). */
function workerControl(
  config: BurrowConfig,
  settings: WorkerSettings,
  fleet: FleetConnection,
  logger: Logger,
): WorkerControl {
  const { worker } = config;
  return new WorkerControl({
    connection: fleet.connection,
    redis: fleet.redis,
    keyPrefix: config.redis.keyPrefix,
    logger,
    workerName: worker.name,
    sendTaskEvents: worker.sendTaskEvents,
    heartbeatSeconds: worker.eventHeartbeatSeconds,
    revokeExpiresSeconds: worker.revokeExpiresSeconds,
    brokerUrl: config.rabbitmq.url,
    brokerUrls: config.rabbitmq.urls,
    brokerHeartbeatSeconds: config.rabbitmq.heartbeatSeconds,
    version: WORKER_VERSION,
    // Celery's names, so `celery inspect conf` reads as it does for a Python worker.
    conf: () => ({
      broker_url: redactUrl(config.rabbitmq.url),
      result_backend: describeRedisTarget(config.redis),
      result_expires: config.results.expiresSeconds,
      worker_concurrency: settings.concurrency,
      worker_prefetch_multiplier: 2,
      worker_send_task_events: worker.sendTaskEvents,
      task_track_started: worker.trackStarted,
      task_serializer: 'json',
      accept_content: ['json'],
      worker_queues: worker.queues,
      worker_task_modules: worker.taskModules,
      worker_shutdown_grace: worker.shutdownGraceSeconds,
      worker_revoke_expires: worker.revokeExpiresSeconds,
    }),
    shutdown: () => settings.onRemoteShutdown?.(),
  });
}

/** The workers package's version, shown as `sw_ver` in heartbeats and `stats`. */
const WORKER_VERSION: string = (() => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('../package.json') as { version: string }).version;
  } catch {
    return '0.0.0';
  }
})();

/**
 * Node cannot hand memory back reliably after a leak or a huge task, so past the cap the worker
 * asks to be replaced: the supervisor (fleet runner, Kubernetes) starts a fresh process.
 */
function watchMemory(
  capMb: number,
  onCap: ((rssMb: number) => void) | undefined,
): NodeJS.Timeout | undefined {
  if (capMb <= 0 || !onCap) return undefined;
  const timer = setInterval(() => {
    const rssMb = Math.round(process.memoryUsage.rss() / 1024 / 1024);
    if (rssMb > capMb) {
      clearInterval(timer);
      onCap(rssMb);
    }
  }, 1_000);
  timer.unref();
  return timer;
}
