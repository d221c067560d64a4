import { Type } from '@sinclair/typebox';
import { defineTask } from '@burrow/contracts';
import {
  TaskConsumer,
  TaskRegistry,
  connectFleet,
  createLogger,
  type Outcome,
} from '@burrow/shared';
import { CompletionCounter, cpuClock, type DrainResult } from './drain-result';
import { BENCH_TASK, benchFleetConfig, burrowTopology } from './fixture';
import { startProgress } from './format';

export interface BurrowRunOptions {
  readonly label: string;
  readonly amqpUrl: string;
  readonly redisUrl: string;
  readonly queue: string;
  readonly keyPrefix: string;
  readonly tasks: number;
  readonly concurrency: number;
  readonly prefetch: number;
  /** 'warn' keeps the per-task success line out; 'info' is the production default. */
  readonly logLevel: 'warn' | 'info';
  /** Where progress lines go (stdout may be /dev/null when info logs are measured). */
  readonly progress?: NodeJS.WritableStream;
}

/** The no-op task: no params, empty kwargs, null result. */
function noopContract(queue: string) {
  return defineTask({
    name: BENCH_TASK,
    queue,
    description: 'Does nothing; measures the engine around a task.',
    params: [],
    kwargs: Type.Object({}, { additionalProperties: false }),
    result: Type.Null(),
  });
}

/**
 * burrow's real engine in this process, wired as workers/src/worker.ts wires it: broker
 * connection with the worker's topology, publisher, Redis result store, registry, consumer.
 * The clock runs from `consumer.start()` to the last `onSettled`.
 */
export async function drainBurrow(options: BurrowRunOptions): Promise<DrainResult> {
  const logger = createLogger({ service: 'bench', level: options.logLevel });
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
    { contract: noopContract(options.queue), handler: () => Promise.resolve(null) },
  ]);
  const counter = new CompletionCounter(options.tasks);
  const onSettled = (outcome: Outcome): void => {
    if (outcome.kind === 'success') counter.add();
    else counter.fail(new Error(`a bench task settled as ${outcome.kind}, not success`));
  };
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
    // A run that failed (broker gone) should not hold the bench for the default 30 s.
    shutdownGraceSeconds: 5,
    onSettled,
  });

  const onDisconnect = () => counter.fail(new Error('burrow lost its AMQP connection'));
  connection.on('disconnect', onDisconnect);
  const out = options.progress ?? process.stdout;
  const stopProgress = startProgress(
    options.label,
    options.tasks,
    'drained',
    () => counter.count,
    out,
  );
  try {
    const started = performance.now();
    const cpu = cpuClock();
    await consumer.start();
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
    await fleet.close();
  }
}
