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
  type Outcome,
  type TaskDefinition,
} from '../src';
import { AMQP_URL, stackFleetConfig, uniqueName } from '../../testing/stack';

export interface EngineHarness {
  readonly queue: string;
  readonly client: TaskClient;
  readonly results: RedisResultStore;
  readonly outcomes: { kind: Outcome['kind']; taskId: string | null }[];
  /** Publishes raw bytes to the queue, as a hand-written publisher in any language might. */
  publishRaw(content: Buffer | string, properties?: amqplib.Options.Publish): Promise<void>;
  /** Takes every message currently in `<queue>.dead`. */
  drainDead(): Promise<amqplib.GetMessage[]>;
  stop(): Promise<void>;
}

/** A real consumer on a fresh queue of the local RabbitMQ and Redis, in this process. */
export async function startEngine(
  makeDefinitions: (queue: string) => TaskDefinition<object>[],
  options: { concurrency?: number; maxDeliveries?: number; shutdownGraceSeconds?: number } = {},
): Promise<EngineHarness> {
  const queue = uniqueName('test-q');
  const definitions = makeDefinitions(queue);
  const logger = createLogger({
    service: 'test',
    level: process.env.TEST_LOG_LEVEL ?? 'info',
    silent: !process.env.TEST_LOG_LEVEL,
  });
  const topology = mergeTopologies(taskQueuesTopology([queue]), delayLevelsTopology([queue]));
  const fleet = await connectFleet(
    stackFleetConfig({ keyPrefix: `${queue}:`, publishTimeoutMs: 5_000 }),
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
    shutdownGraceSeconds: options.shutdownGraceSeconds ?? 5,
    onSettled: (outcome, attempt) => outcomes.push({ kind: outcome.kind, taskId: attempt.taskId }),
  });
  await consumer.start();
  const client = new TaskClient({
    publisher,
    results,
    subscriber,
    extraContracts: definitions.map((d) => d.contract),
  });
  const raw = await amqplib.connect(AMQP_URL);
  const rawChannel = await raw.createConfirmChannel();
  return {
    queue,
    client,
    results,
    outcomes,
    publishRaw: async (content, properties = {}) => {
      rawChannel.publish('', queue, typeof content === 'string' ? Buffer.from(content) : content, {
        persistent: true,
        ...properties,
      });
      await rawChannel.waitForConfirms();
    },
    drainDead: async () => {
      const messages: amqplib.GetMessage[] = [];
      for (;;) {
        const message = await rawChannel.get(`${queue}.dead`, { noAck: true });
        if (message === false) return messages;
        messages.push(message);
      }
    },
    stop: async () => {
      await consumer.stop();
      await rawChannel.deleteQueue(queue).catch(() => undefined);
      await rawChannel.deleteQueue(`${queue}.dead`).catch(() => undefined);
      await raw.close().catch(() => undefined);
      await fleet.close();
    },
  };
}
