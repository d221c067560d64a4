import {
  BrokerConnection,
  Publisher,
  RedisResultStore,
  TaskConsumer,
  TaskMetrics,
  TaskRegistry,
  connectRedis,
  delayLevelsTopology,
  mergeTopologies,
  startOpsServer,
  taskQueuesTopology,
  type BurrowConfig,
  type Logger,
} from '@burrow/shared';
import { EmailState } from './email/email-state';
import { catalogueDefinitions } from './handlers';
import { BackendClient } from './providers/backend-client';
import { fleetRateLimiter } from './providers/fleet-rate-limiter';
import { SmtpMailer } from './providers/smtp-mailer';
import type { WorkerServices } from './services';
import { loadTaskModules } from './task-modules';

export interface WorkerSettings {
  readonly queues: readonly string[];
  readonly concurrency: number;
  readonly prefetch?: number | undefined;
  /** Called once when resident memory passes WORKER_MAX_MEMORY_MB; the CLI drains and exits. */
  readonly onMemoryCap?: (rssMb: number) => void;
}

export interface RunningWorker {
  readonly queues: readonly string[];
  readonly httpPort: number | null;
  readonly isReady: () => boolean;
  /** Graceful: stop taking tasks, finish running ones within the grace period, close. */
  stop(): Promise<void>;
}

/** Wires one worker process from validated config: connections, registry, consumer, probes. */
export async function startWorker(
  config: BurrowConfig,
  settings: WorkerSettings,
  logger: Logger,
): Promise<RunningWorker> {
  const registry = new TaskRegistry<WorkerServices>([
    ...catalogueDefinitions(),
    ...loadTaskModules<WorkerServices>(config.worker.taskModules),
  ]);
  const known = registry.queues();
  const queues = settings.queues.length > 0 ? [...settings.queues] : known;
  const unknown = queues.filter((q) => !known.includes(q));
  if (unknown.length > 0)
    throw new Error(
      `no tasks are registered on queue(s) ${unknown.join(', ')}; known queues: ${known.join(', ')}`,
    );

  const topology = mergeTopologies(taskQueuesTopology(known), delayLevelsTopology(known));
  const connection = await BrokerConnection.connect({
    url: config.rabbitmq.url,
    logger,
    topology,
    heartbeatSeconds: config.rabbitmq.heartbeatSeconds,
    connectionName: `${config.worker.name} worker`,
  });
  const publisher = new Publisher(connection, {
    timeoutMs: config.publish.timeoutSeconds * 1000,
    maxBuffered: config.publish.maxBuffered,
  });
  await publisher.waitForConnect();
  const redis = await connectRedis(config.redis.url, 'worker', logger);
  const results = new RedisResultStore(redis, {
    expiresSeconds: config.results.expiresSeconds,
    keyPrefix: config.redis.keyPrefix,
  });
  const backend = new BackendClient({
    baseUrl: config.backend.url,
    apiKey: config.backend.apiKey,
    timeoutSeconds: config.backend.timeoutSeconds,
  });
  const { smtp } = config;
  const mailer = new SmtpMailer({
    host: smtp.host,
    port: smtp.port,
    user: smtp.user,
    password: smtp.password,
    secure: smtp.secure,
    requireTls: smtp.requireTls,
    poolSize: smtp.poolSize,
    timeoutSeconds: smtp.timeoutSeconds,
  });
  const services: WorkerServices = {
    backend,
    mailer,
    mailRate: fleetRateLimiter(
      redis,
      `${config.redis.keyPrefix}burrow-rate-smtp`,
      smtp.ratePerSecond,
    ),
    emailState: new EmailState(redis, {
      keyPrefix: config.redis.keyPrefix,
      ttlSeconds: config.results.expiresSeconds,
    }),
    email: {
      from: smtp.from,
      messageIdDomain: smtp.messageIdDomain,
      attachmentsDir: smtp.attachmentsDir,
      bulkConcurrency: Math.max(1, smtp.poolSize) * 2,
      notifyPath: config.backend.notifyPath,
      digestPath: config.backend.digestPath,
    },
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
    settings: { backendHealthPaths: config.backend.healthPaths },
  };
  const metrics = new TaskMetrics({ worker: config.worker.name });
  const consumer = new TaskConsumer<WorkerServices>({
    connection,
    publisher,
    results,
    redis,
    registry,
    services,
    logger,
    queues,
    concurrency: settings.concurrency,
    ...(settings.prefetch ? { prefetch: settings.prefetch } : {}),
    workerName: config.worker.name,
    maxDeliveries: config.worker.maxDeliveries,
    shutdownGraceSeconds: config.worker.shutdownGraceSeconds,
    trackStarted: config.worker.trackStarted,
    onSettled: metrics.record,
  });
  await consumer.start();
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
    isReady: () => consumer.ready,
    stop: async () => {
      clearInterval(memoryWatch);
      await consumer.stop();
      await ops?.close();
      await publisher.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
      await backend.close().catch(() => undefined);
      await mailer.close().catch(() => undefined);
      redis.disconnect();
    },
  };
}

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
