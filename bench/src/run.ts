import { Redis } from 'ioredis';
import { taskQueuesTopology } from '@burrow/shared';
import { drainBurrow } from './burrow-run';
import { tasksPerSecond, type DrainResult } from './drain-result';
import { QueueFixture, burrowTopology, freshNamespace, unlinkPrefix } from './fixture';
import { grouped } from './format';
import { drainBurrowInfoLogs } from './info-logs-run';
import { drainMinimal } from './minimal-loop';
import { loadBenchOptions, type BenchOptions } from './options';
import {
  markdownTable,
  ratioLine,
  roundsLine,
  summarise,
  writeLatest,
} from './report';

const MINIMAL = 'minimal';
const BURROW = 'burrow';
const BURROW_INFO = 'burrow (info logs to /dev/null)';

interface Bench {
  readonly options: BenchOptions;
  readonly fixture: QueueFixture;
  readonly redis: Redis;
}

/**
 * One measured run on a fresh queue and key prefix: declare, fill (untimed), drain (timed),
 * check the queue is empty, then delete the queues and the run's Redis keys.
 */
async function measure(bench: Bench, consumer: string, round: number): Promise<DrainResult> {
  const { options, fixture, redis } = bench;
  const ns = freshNamespace(consumer === MINIMAL ? 'minimal' : 'burrow');
  const label = `${consumer} #${round}`;
  await fixture.declare(
    consumer === MINIMAL ? taskQueuesTopology([ns.queue]) : burrowTopology(ns.queue),
  );
  try {
    await fixture.fill(ns.queue, options.tasks, label);
    const common = {
      amqpUrl: options.amqpUrl,
      redisUrl: options.redisUrl,
      queue: ns.queue,
      keyPrefix: ns.keyPrefix,
      tasks: options.tasks,
      prefetch: options.prefetch,
    };
    const burrow = { ...common, label, concurrency: options.concurrency };
    const result =
      consumer === MINIMAL
        ? await drainMinimal(common)
        : consumer === BURROW
          ? await drainBurrow({ ...burrow, logLevel: 'warn' })
          : await drainBurrowInfoLogs(burrow);
    const left = await fixture.messageCount(ns.queue);
    if (left !== 0) throw new Error(`${label} left ${left} messages in ${ns.queue}`);
    process.stdout.write(
      `${label}: ${grouped(result.tasks)} tasks in ${result.seconds.toFixed(2)} s = ${grouped(tasksPerSecond(result))} tasks/s (start ${(result.startSeconds * 1000).toFixed(0)} ms)\n`,
    );
    return { ...result, consumer };
  } finally {
    await fixture.remove(ns.queue);
    await unlinkPrefix(redis, ns.keyPrefix);
  }
}

async function main(): Promise<void> {
  const options = loadBenchOptions();
  const consumers = [MINIMAL, BURROW, ...(options.infoLogsRow ? [BURROW_INFO] : [])].filter(
    (c) => !options.only || options.only.includes(c),
  );
  process.stdout.write(
    `bench: ${grouped(options.tasks)} no-op tasks per run, prefetch ${options.prefetch}, burrow concurrency ${options.concurrency}, ${options.rounds} round(s) of ${consumers.join(' → ')}; best round reported\n`,
  );
  const fixture = await QueueFixture.connect(options.amqpUrl);
  const redis = new Redis(options.redisUrl, { connectionName: 'bench-cleanup' });
  const bench: Bench = { options, fixture, redis };
  const results: DrainResult[] = [];
  try {
    for (let round = 1; round <= options.rounds; round++) {
      for (const consumer of consumers) results.push(await measure(bench, consumer, round));
    }
  } finally {
    await fixture.close();
    await redis.quit().catch(() => undefined);
  }

  const summaries = summarise(results);
  const minimal = summaries.find((s) => s.consumer === MINIMAL);
  const burrow = summaries.find((s) => s.consumer === BURROW);
  if (!minimal || !burrow) {
    process.stdout.write(`\n(no ratio: BENCH_ONLY=${options.only?.join(',')} left out a consumer)\n`);
    return;
  }
  const table = markdownTable(summaries, minimal);
  const ratio = ratioLine(burrow, minimal);
  const rounds = roundsLine(summaries);
  process.stdout.write(`\n${table}\n\n${ratio}\n(best of ${options.rounds} round(s); every round: ${rounds})\n`);
  const file = await writeLatest(options, table, ratio, rounds);
  process.stdout.write(`written to ${file}\n`);
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
