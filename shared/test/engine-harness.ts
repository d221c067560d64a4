import amqplib from 'amqplib';
import {
  RedisResultStore,
  TaskClient,
  TaskConsumer,
  TaskRegistry,
  connectFleet,
  createLogger,
  delayLevelsTopology,
  mergeTopologies,
  taskQueuesTopology,
  type LogFields,
  type Logger,
  type Outcome,
  type TaskDefinition,
} from '../src';
import { AMQP_URL, MGMT_URL, eventually, stackFleetConfig, uniqueName } from '../../testing/stack';

export interface EngineOptions {
  concurrency?: number;
  maxDeliveries?: number;
  maxRedeliveries?: number;
  maxContinuations?: number;
  redisBudgetSeconds?: number;
  shutdownGraceSeconds?: number;
  /** Redis for the worker and client, e.g. through a proxy a test can cut. @default the stack's */
  redisUrl?: string;
  /** Start consuming at once; false leaves it to `consume()`. @default true */
  consume?: boolean;
}

/** One log line as the engine wrote it. */
export interface LogLine {
  readonly level: 'error' | 'warn' | 'info' | 'debug';
  readonly message: string;
  readonly fields: LogFields;
}

/** What the broker's management API says about the task queue (sampled every 5 s). */
export interface BrokerQueueStats {
  readonly ready: number;
  readonly unacked: number;
  readonly acked: number;
  readonly redelivered: number;
}

export interface EngineHarness {
  readonly queue: string;
  readonly client: TaskClient;
  readonly results: RedisResultStore;
  readonly outcomes: { kind: Outcome['kind']; taskId: string | null }[];
  /** Every line the engine logged, with the fields of its scope. */
  readonly logs: LogLine[];
  /** Publishes raw bytes to the queue, as a hand-written publisher in any language might. */
  publishRaw(content: Buffer | string, properties?: amqplib.Options.Publish): Promise<void>;
  /** Takes every message currently in `<queue>.dead`. */
  drainDead(): Promise<amqplib.GetMessage[]>;
  /** Waits for the dead letter of task `id` (dead letters of other tasks are kept for later). */
  deadLetter(id: string, timeoutMs?: number): Promise<amqplib.GetMessage>;
  /** Takes the next message off the queue and hands it back, `times` times, as a failing worker. */
  bounce(times: number): Promise<void>;
  /** Starts the consumer when the harness was started with `consume: false`. */
  consume(): Promise<void>;
  /** The task queue as the broker's management API reports it. */
  brokerStats(): Promise<BrokerQueueStats | undefined>;
  /**
   * Waits until the broker itself reports nothing held: no message unacked or ready, in a
   * sample taken after every delivery settled so far was acked.
   */
  brokerSettled(timeoutMs?: number): Promise<BrokerQueueStats>;
  stop(): Promise<void>;
}

/** A real consumer on a fresh queue of the local RabbitMQ and Redis, in this process. */
export async function startEngine(
  makeDefinitions: (queue: string) => TaskDefinition<object>[],
  options: EngineOptions = {},
): Promise<EngineHarness> {
  const queue = uniqueName('test-q');
  const definitions = makeDefinitions(queue);
  const logs: LogLine[] = [];
  const logger = recording(
    createLogger({
      service: 'test',
      level: process.env.TEST_LOG_LEVEL ?? 'info',
      silent: !process.env.TEST_LOG_LEVEL,
    }),
    logs,
  );
  const topology = mergeTopologies(taskQueuesTopology([queue]), delayLevelsTopology([queue]));
  const config = stackFleetConfig({ keyPrefix: `${queue}:`, publishTimeoutMs: 5_000 });
  const fleet = await connectFleet(
    options.redisUrl ? { ...config, redis: { ...config.redis, url: options.redisUrl } } : config,
    logger,
    { topology, connectionName: 'engine test', redisRole: 'worker', subscriber: true },
  );
  const { connection, publisher, redis, results } = fleet;
  const subscriber = fleet.subscriber!;
  const outcomes: EngineHarness['outcomes'] = [];
  const consumer = new TaskConsumer({
    connection,
    publisher,
    results,
    redis,
    registry: new TaskRegistry().add(definitions, {}),
    logger,
    queues: [queue],
    concurrency: options.concurrency ?? 4,
    workerName: 'test-worker',
    maxDeliveries: options.maxDeliveries ?? 5,
    ...(options.maxRedeliveries === undefined ? {} : { maxRedeliveries: options.maxRedeliveries }),
    ...(options.maxContinuations === undefined
      ? {}
      : { maxContinuations: options.maxContinuations }),
    ...(options.redisBudgetSeconds === undefined
      ? {}
      : { redisBudgetSeconds: options.redisBudgetSeconds }),
    shutdownGraceSeconds: options.shutdownGraceSeconds ?? 5,
    onSettled: (outcome, attempt) => outcomes.push({ kind: outcome.kind, taskId: attempt.taskId }),
  });
  if (options.consume !== false) await consumer.start();
  const client = new TaskClient({
    publisher,
    results,
    subscriber,
    extraContracts: definitions.map((d) => d.contract),
  });
  const raw = await amqplib.connect(AMQP_URL);
  const rawChannel = await raw.createConfirmChannel();
  const dead: amqplib.GetMessage[] = [];
  const drainDead = async () => {
    const messages: amqplib.GetMessage[] = [];
    for (;;) {
      const message = await rawChannel.get(`${queue}.dead`, { noAck: true });
      if (message === false) return messages;
      messages.push(message);
    }
  };
  const brokerStats = async (): Promise<BrokerQueueStats | undefined> => {
    const response = await fetch(`${MGMT_URL}/api/queues/%2F/${encodeURIComponent(queue)}`, {
      headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` },
    });
    if (!response.ok) return undefined;
    const body = (await response.json()) as {
      messages_ready?: number;
      messages_unacknowledged?: number;
      message_stats?: { ack?: number; redeliver?: number };
    };
    // A quorum queue's counts appear some seconds after it is declared.
    if (body.messages_unacknowledged === undefined || body.messages_ready === undefined) {
      return undefined;
    }
    return {
      ready: body.messages_ready,
      unacked: body.messages_unacknowledged,
      acked: body.message_stats?.ack ?? 0,
      redelivered: body.message_stats?.redeliver ?? 0,
    };
  };
  return {
    queue,
    client,
    results,
    outcomes,
    logs,
    publishRaw: async (content, properties = {}) => {
      rawChannel.publish('', queue, typeof content === 'string' ? Buffer.from(content) : content, {
        persistent: true,
        ...properties,
      });
      await rawChannel.waitForConfirms();
    },
    drainDead,
    deadLetter: async (id, timeoutMs = 10_000) =>
      eventually(
        async () => {
          dead.push(...(await drainDead()));
          const at = dead.findIndex((m) => deadLetterId(m) === id);
          return at < 0 ? undefined : dead.splice(at, 1)[0];
        },
        timeoutMs,
        `the dead letter of ${id}`,
      ),
    bounce: async (times) => {
      for (let i = 0; i < times; i++) {
        const message = await eventually(
          async () => rawChannel.get(queue, { noAck: false }),
          5_000,
          'a message to bounce',
        );
        rawChannel.nack(message, false, true);
      }
    },
    consume: () => consumer.start(),
    brokerStats,
    brokerSettled: async (timeoutMs = 30_000) =>
      eventually(
        async () => {
          const stats = await brokerStats();
          const fresh = stats && stats.acked >= outcomes.length;
          return fresh && stats.unacked === 0 && stats.ready === 0 ? stats : undefined;
        },
        timeoutMs,
        'the broker to report every delivery acked and none held',
      ),
    stop: async () => {
      await consumer.stop();
      await rawChannel.deleteQueue(queue).catch(() => undefined);
      await rawChannel.deleteQueue(`${queue}.dead`).catch(() => undefined);
      await raw.close().catch(() => undefined);
      await fleet.close();
    },
  };
}

function deadLetterId(message: amqplib.GetMessage): string | undefined {
  const id: unknown = message.properties.headers?.id ?? message.properties.correlationId;
  return typeof id === 'string' ? id : undefined;
}

/** A logger that also keeps every line, so a test can wait for a named event. */
function recording(logger: Logger, lines: LogLine[], scope: LogFields = {}): Logger {
  const line =
    (level: LogLine['level']) =>
    (message: string, fields: LogFields = {}): void => {
      lines.push({ level, message, fields: { ...scope, ...fields } });
      logger[level](message, fields);
    };
  return {
    error: line('error'),
    warn: line('warn'),
    info: line('info'),
    debug: line('debug'),
    child: (fields) => recording(logger.child(fields), lines, { ...scope, ...fields }),
  };
}
