import { Type } from '@sinclair/typebox';
import { defineTask } from '@burrow/contracts';
import {
  TaskConsumer,
  TaskRegistry,
  WorkerControl,
  connectFleet,
  createLogger,
  type Outcome,
} from '@burrow/shared';
import { CompletionCounter, cpuClock, type DrainResult } from './drain-result';
import { BENCH_TASK, benchFleetConfig, burrowTopology } from './fixture';
import { startProgress } from './format';

export interface ControlRunOptions {
  readonly label: string;
  readonly amqpUrl: string;
  readonly redisUrl: string;
  readonly queue: string;
  readonly keyPrefix: string;
  readonly tasks: number;
  readonly concurrency: number;
  readonly prefetch: number;
  /** Task events on (as after Flower's enable_events), or only heartbeats. */
  readonly taskEvents: boolean;
}

/**
 * burrow's engine wired as the worker wires it with remote control: pidbox mailbox,
 * revocation checks, heartbeats and (when `taskEvents`) a task-received/started/succeeded
 * event per task, so the cost of events shows against the plain burrow row.
 */
export async function drainBurrowWithControl(options: ControlRunOptions): Promise<DrainResult> {
  const logger = createLogger({ service: 'bench', level: 'warn' });
  const fleet = await connectFleet(
    benchFleetConfig(options.amqpUrl, options.redisUrl, options.keyPrefix),
    logger,
    {
      topology: burrowTopology(options.queue),
      connectionName: `bench ${options.label}`,
      redisRole: 'worker',
    },
  );
  const { connection, publisher, redis, results } = fleet;
  const registry = new TaskRegistry([
    {
      contract: defineTask({
        name: BENCH_TASK,
        queue: options.queue,
        description: 'Does nothing; measures the engine around a task.',
        params: [],
        kwargs: Type.Object({}, { additionalProperties: false }),
        result: Type.Null(),
      }),
      handler: () => Promise.resolve(null),
    },
  ]);
  const control = new WorkerControl({
    connection,
    redis,
    keyPrefix: options.keyPrefix,
    logger,
    workerName: `bench-${options.taskEvents ? 'events' : 'control'}@bench`,
    sendTaskEvents: options.taskEvents,
    heartbeatSeconds: 2,
    revokeExpiresSeconds: 600,
    brokerUrl: options.amqpUrl,
    brokerHeartbeatSeconds: 15,
    conf: () => ({}),
    version: 'bench',
    shutdown: () => undefined,
  });
  const counter = new CompletionCounter(options.tasks);
  const onSettled = (outcome: Outcome): void => {
    if (outcome.kind === 'success') counter.add();
    else counter.fail(new Error(`a bench task settled as ${outcome.kind}, not success`));
  };
  await control.prepare();
  const consumer = new TaskConsumer({
    connection,
    publisher,
    results,
    redis,
    registry,
    logger,
    queues: [options.queue],
    concurrency: options.concurrency,
    prefetch: options.prefetch,
    workerName: `${options.label}@bench`,
    shutdownGraceSeconds: 5,
    onSettled,
    ...control.consumerOptions,
  });
  const onDisconnect = () => counter.fail(new Error('burrow lost its AMQP connection'));
  connection.on('disconnect', onDisconnect);
  const stopProgress = startProgress(
    options.label,
    options.tasks,
    'drained',
    () => counter.count,
    process.stdout,
  );
  try {
    const started = performance.now();
    const cpu = cpuClock();
    await consumer.start();
    await control.start(consumer, registry);
    const consuming = performance.now();
    const finished = await counter.done;
    const cpuSeconds = cpu();
    stopProgress();
    return {
      consumer: options.label,
      tasks: options.tasks,
      seconds: (finished - started) / 1000,
      startSeconds: (consuming - started) / 1000,
      cpuSeconds,
    };
  } finally {
    counter.dispose();
    stopProgress();
    connection.off('disconnect', onDisconnect);
    await consumer.stop();
    await control.stop();
    await fleet.close();
  }
}
