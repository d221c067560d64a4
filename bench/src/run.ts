import os from 'node:os';
import { Redis } from 'ioredis';
import { taskQueuesTopology } from '@burrow/shared';
import { drainBurrow } from './burrow-run';
import { drainBurrowWithControl } from './control-run';
import { cpuMicrosPerTask, tasksPerSecond, type DrainResult } from './drain-result';
import {
  QueueFixture,
  burrowTopology,
  freshNamespace,
  removeRunQueues,
  unlinkPrefix,
  type RunNamespace,
} from './fixture';
import { grouped } from './format';
import { drainBurrowInfoLogs } from './info-logs-run';
import { drainMinimal } from './minimal-loop';
import { drainBurrowProcess, drainCeleryProcess } from './process-drain';
import { celeryAvailable } from './processes';
import { loadBenchOptions, type BenchOptions } from './options';
import {
  cpuLine,
  markdownTable,
  percentOf,
  ratioLine,
  roundsLine,
  summarise,
  writeDrainJson,
  writeLatest,
} from './report';

const MINIMAL = 'minimal';
const BURROW = 'burrow';
const BURROW_INFO = 'burrow (info logs to /dev/null)';
const BURROW_CONTROL = 'burrow + remote control, task events off';
const BURROW_EVENTS = 'burrow + remote control, task events on';
const BURROW_PROCESS = 'burrow-worker process (info logs, metrics, events off)';
const BURROW_PROCESS_EVENTS = 'burrow-worker process (info logs, metrics, events on)';
const CELERY = 'Celery 5.2 prefork -c 2 (same queue, results in Redis)';
/** Celery's pool size, as the issue's reference run: the machine has two cores. */
const CELERY_CONCURRENCY = Number(process.env.BENCH_CELERY_CONCURRENCY ?? 2);
/** A run broken by something outside it (broker restarted under it) is measured again. */
const ATTEMPTS = 3;

const say = (line: string) => process.stdout.write(`${line}\n`);

/** What every measured run needs; `active` holds runs whose queues and keys still exist. */
interface Bench {
  readonly options: BenchOptions;
  readonly redis: Redis;
  readonly active: Set<RunNamespace>;
}

/** Runs one consumer over a queue that is already filled. */
function drain(
  options: BenchOptions,
  consumer: string,
  queue: string,
  keyPrefix: string,
  label: string,
) {
  const common = {
    amqpUrl: options.amqpUrl,
    redisUrl: options.redisUrl,
    queue,
    keyPrefix,
    tasks: options.tasks,
    prefetch: options.prefetch,
  };
  if (consumer === MINIMAL) return drainMinimal({ ...common, label });
  if (consumer === CELERY)
    return drainCeleryProcess({ ...common, label, concurrency: CELERY_CONCURRENCY });
  if (consumer === BURROW_PROCESS || consumer === BURROW_PROCESS_EVENTS)
    return drainBurrowProcess(
      { ...common, label, concurrency: options.concurrency },
      { WORKER_SEND_TASK_EVENTS: consumer === BURROW_PROCESS_EVENTS ? 'true' : 'false' },
    );
  const burrow = { ...common, label, concurrency: options.concurrency };
  if (consumer === BURROW) return drainBurrow({ ...burrow, logLevel: 'warn' });
  if (consumer === BURROW_CONTROL || consumer === BURROW_EVENTS)
    return drainBurrowWithControl({ ...burrow, taskEvents: consumer === BURROW_EVENTS });
  return drainBurrowInfoLogs(burrow);
}

/**
 * One measured run on a fresh queue and key prefix: declare, fill (untimed), drain (timed),
 * check the queue is empty; then, whatever happened, delete the queues and the Redis keys.
 */
async function measure(bench: Bench, consumer: string, label: string): Promise<DrainResult> {
  const { options } = bench;
  const ns = freshNamespace(consumer === MINIMAL ? 'minimal' : 'burrow');
  bench.active.add(ns);
  try {
    const fixture = await QueueFixture.connect(options.amqpUrl);
    try {
      await fixture.declare(
        consumer === MINIMAL ? taskQueuesTopology([ns.queue]) : burrowTopology(ns.queue),
      );
      await fixture.fill(ns.queue, options.tasks, label);
    } finally {
      await fixture.close();
    }
    const result = await drain(options, consumer, ns.queue, ns.keyPrefix, label);
    const check = await QueueFixture.connect(options.amqpUrl);
    try {
      const left = await check.messageCount(ns.queue);
      if (left !== 0) throw new Error(`${label} left ${left} messages in ${ns.queue}`);
    } finally {
      await check.close();
    }
    return { ...result, consumer };
  } finally {
    await cleanUp(bench, ns);
  }
}

/** Deletes a run's queues and Redis keys; reports rather than throws. */
async function cleanUp(bench: Bench, ns: RunNamespace): Promise<void> {
  await removeRunQueues(bench.options.amqpUrl, ns.queue).catch((err: Error) =>
    say(`could not delete queue ${ns.queue}: ${err.message}`),
  );
  await unlinkPrefix(bench.redis, ns.keyPrefix).catch((err: Error) =>
    say(`could not delete Redis keys ${ns.keyPrefix}*: ${err.message}`),
  );
  bench.active.delete(ns);
}

async function measureWithRetries(
  bench: Bench,
  consumer: string,
  round: number,
): Promise<DrainResult> {
  const label = `${consumer} #${round}`;
  for (let attempt = 1; ; attempt++) {
    try {
      const r = await measure(bench, consumer, label);
      say(
        `${label}: ${grouped(r.tasks)} tasks in ${r.seconds.toFixed(2)} s = ${grouped(tasksPerSecond(r))} tasks/s, ${grouped(cpuMicrosPerTask(r))} µs Node CPU per task (consume started in ${(r.startSeconds * 1000).toFixed(0)} ms)`,
      );
      return r;
    } catch (err) {
      if (attempt >= ATTEMPTS) throw err;
      say(`${label}: run failed (${(err as Error).message}); measuring again on a fresh queue`);
    }
  }
}

async function main(): Promise<void> {
  const options = loadBenchOptions();
  const loadBefore = os.loadavg();
  const wanted = (c: string) => !options.only || options.only.includes(c);
  const headline = [MINIMAL, BURROW].filter(wanted);
  // The info-logs row shows the cost of logging; it runs once, in the last round, to keep
  // the bench short. Compare it by CPU per task, which noise moves less than tasks/s.
  const extra = [
    ...(options.infoLogsRow && wanted(BURROW_INFO) ? [BURROW_INFO] : []),
    // Remote control and events: every round, since their cost is the figure to report.
  ];
  const eventRows = [BURROW_CONTROL, BURROW_EVENTS].filter(
    (c) =>
      process.env.BENCH_EVENTS !== 'false' &&
      (!options.only || options.only.includes(c) || options.only.includes('events')),
  );
  // Real processes with the production defaults, and Celery beside them: every round.
  const processRows = [
    ...[BURROW_PROCESS, BURROW_PROCESS_EVENTS].filter(
      (c) => process.env.BENCH_PROCESS !== 'false' && (wanted(c) || wanted('process')),
    ),
    ...(process.env.BENCH_CELERY !== 'false' &&
    (wanted(CELERY) || wanted('celery')) &&
    celeryAvailable()
      ? [CELERY]
      : []),
  ];
  const consumersOf = (round: number) =>
    round === options.rounds
      ? [...headline, ...eventRows, ...processRows, ...extra]
      : [...headline, ...eventRows, ...processRows];
  say(
    `bench: ${grouped(options.tasks)} no-op tasks per run, prefetch ${options.prefetch} (both), burrow concurrency ${options.concurrency}, ${options.rounds} round(s) of ${headline.join(' → ')}${extra.length ? ` (+ ${BURROW_INFO} in the last)` : ''}; best round of each reported`,
  );
  const redis = new Redis(options.redisUrl, { connectionName: 'bench-cleanup' });
  const bench: Bench = { options, redis, active: new Set() };
  const interrupted = () => {
    say("\ninterrupted: deleting the current run's queues and keys");
    void Promise.all([...bench.active].map((ns) => cleanUp(bench, ns))).finally(() =>
      process.exit(130),
    );
  };
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  const results: DrainResult[] = [];
  try {
    for (let round = 1; round <= options.rounds; round++) {
      for (const consumer of consumersOf(round)) {
        results.push(await measureWithRetries(bench, consumer, round));
      }
    }
  } finally {
    await redis.quit().catch(() => undefined);
  }

  const summaries = summarise(results);
  const minimal = summaries.find((s) => s.consumer === MINIMAL);
  const burrow = summaries.find((s) => s.consumer === BURROW);
  if (!minimal || !burrow) {
    say(`\n(no ratio: BENCH_ONLY=${options.only?.join(',')} left out a consumer)`);
    return;
  }
  const table = markdownTable(summaries, minimal);
  const ratio = ratioLine(burrow, minimal);
  const rounds = roundsLine(summaries);
  const cpu = cpuLine(summaries);
  const celery = summaries.find((s) => s.consumer === CELERY);
  const process_ = summaries.find((s) => s.consumer === BURROW_PROCESS);
  const vsCelery =
    celery && process_
      ? `burrow-worker process at ${(tasksPerSecond(process_.best) / tasksPerSecond(celery.best)).toFixed(1)}× Celery prefork -c ${CELERY_CONCURRENCY} (target ≥ 10×); at ${percentOf(process_, minimal).toFixed(0)} % of the minimal loop (target ≥ 100 %)`
      : '';
  await writeDrainJson(summaries, minimal);
  say(
    `\n${table}\n\n${ratio}${vsCelery ? `\n${vsCelery}` : ''}\n(best of ${options.rounds} round(s); every round: ${rounds})\n${cpu}`,
  );
  say(
    `written to ${await writeLatest(options, table, vsCelery ? `${ratio}\n\n${vsCelery}` : ratio, rounds, cpu, loadBefore)}`,
  );
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
