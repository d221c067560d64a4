import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import {
  QueueFixture,
  burrowTopology,
  freshNamespace,
  removeRunQueues,
  unlinkPrefix,
} from './fixture';
import { grouped } from './format';
import { loadBenchOptions } from './options';
import { celeryBackendUrl, unlinkCeleryResults } from './process-drain';
import {
  celeryAvailable,
  startBurrowWorker,
  startCeleryWorker,
  startMinimalConsumer,
  type ConsumerProcess,
} from './processes';
import { alignedTable } from './report';
import { percentile, readResults } from './result-times';

/**
 * Latency under offered load (`npm run bench:latency`): a separate publisher process offers
 * BENCH_LATENCY_RATES tasks a second (default 200 and 2 000) for BENCH_LATENCY_SECONDS (20) to a
 * burrow-worker process, and in the same run to the minimal amqplib + Redis loop (a process of its
 * own: the floor the broker sets) and to Celery prefork -c 2. Each task carries its send
 * time and returns when it started; the stored result's date_done says when it finished. The
 * queue's backlog is sampled every second: a consumer that cannot keep up shows it growing.
 * Writes bench/results/latency.md and latency.json.
 */

const OFFERED_LOAD = path.join(__dirname, 'offered-load.js');
export const MINIMAL_LABEL = 'minimal loop';
/** How long after the last publish a consumer may take to finish before the run is cut off. */
const FINISH_MS = 60_000;

export interface LatencyRow {
  readonly consumer: string;
  readonly rate: number;
  readonly published: number;
  readonly completed: number;
  readonly startP50: number;
  readonly startP99: number;
  readonly startMax: number;
  readonly resultP50: number;
  readonly resultP99: number;
  readonly resultMax: number;
  /** Ready messages in the queue, sampled every second: the largest and the last. */
  readonly backlogMax: number;
  readonly backlogEnd: number;
}

type StartConsumer = (queue: string, keyPrefix: string) => Promise<ConsumerProcess>;

function runPublisher(
  amqpUrl: string,
  queue: string,
  rate: number,
  seconds: number,
  idPrefix: string,
) {
  return new Promise<{ published: number; seconds: number }>((resolve, reject) => {
    const child = spawn(process.execPath, [OFFERED_LOAD], {
      env: {
        ...process.env,
        RABBITMQ_URL: amqpUrl,
        BENCH_QUEUE: queue,
        BENCH_RATE: String(rate),
        BENCH_SECONDS: String(seconds),
        BENCH_ID_PREFIX: idPrefix,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`publisher exited with ${code}: ${out}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as { published: number; seconds: number });
    });
  });
}

async function measure(
  label: string,
  start: StartConsumer,
  results: { redis: Redis; prefix: (ns: string) => string },
  amqpUrl: string,
  rate: number,
  seconds: number,
): Promise<LatencyRow> {
  const ns = freshNamespace('latency');
  const fixture = await QueueFixture.connect(amqpUrl);
  try {
    await fixture.declare(burrowTopology(ns.queue));
    const consumer = await start(ns.queue, ns.keyPrefix);
    try {
      await consumer.ready;
      const idPrefix = `lat-${ns.keyPrefix.replace(/:$/, '')}-`;
      const backlog: number[] = [];
      const sampler = setInterval(() => {
        fixture.messageCount(ns.queue).then(
          (n) => backlog.push(n),
          () => undefined,
        );
      }, 1_000);
      let published: number;
      try {
        ({ published } = await runPublisher(amqpUrl, ns.queue, rate, seconds, idPrefix));
      } finally {
        clearInterval(sampler);
      }
      const backlogEnd = await fixture.messageCount(ns.queue);
      const ids = Array.from({ length: published }, (_, i) => `${idPrefix}${i}`);
      const prefix = results.prefix(ns.keyPrefix);
      const deadline = Date.now() + FINISH_MS;
      let stored = await readResults(results.redis, prefix, ids);
      while (stored.size < published && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        stored = await readResults(results.redis, prefix, ids);
      }
      const starts: number[] = [];
      const ends: number[] = [];
      for (const r of stored.values()) {
        const value = r.result as { sent_at: number; started_at: number };
        starts.push(value.started_at - value.sent_at);
        ends.push(r.doneAt - value.sent_at);
      }
      starts.sort((a, b) => a - b);
      ends.sort((a, b) => a - b);
      const row: LatencyRow = {
        consumer: label,
        rate,
        published,
        completed: stored.size,
        startP50: percentile(starts, 50),
        startP99: percentile(starts, 99),
        startMax: starts[starts.length - 1] ?? NaN,
        resultP50: percentile(ends, 50),
        resultP99: percentile(ends, 99),
        resultMax: ends[ends.length - 1] ?? NaN,
        backlogMax: Math.max(0, ...backlog),
        backlogEnd,
      };
      process.stdout.write(
        `${label} at ${grouped(rate)}/s: ${grouped(row.completed)} of ${grouped(published)} done; start p50 ${ms(row.startP50)} p99 ${ms(row.startP99)} max ${ms(row.startMax)}; result p50 ${ms(row.resultP50)} p99 ${ms(row.resultP99)}; backlog max ${grouped(row.backlogMax)}, at the end ${grouped(backlogEnd)}\n`,
      );
      return row;
    } finally {
      await consumer.stop();
    }
  } finally {
    await fixture.close();
    await removeRunQueues(amqpUrl, ns.queue).catch(() => undefined);
    await unlinkPrefix(results.redis, ns.keyPrefix).catch(() => undefined);
  }
}

const ms = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(1)} ms` : '–');

async function main(): Promise<void> {
  const options = loadBenchOptions();
  const rates = (process.env.BENCH_LATENCY_RATES ?? '200,2000').split(',').map(Number);
  const seconds = Number(process.env.BENCH_LATENCY_SECONDS ?? 20);
  const redis = new Redis(options.redisUrl, { connectionName: 'bench-latency' });
  const celeryRedis = new Redis(celeryBackendUrl(options.redisUrl), {
    connectionName: 'bench-latency-celery',
  });
  const burrow: StartConsumer = (queue, keyPrefix) =>
    startBurrowWorker({
      amqpUrl: options.amqpUrl,
      redisUrl: options.redisUrl,
      queue,
      keyPrefix,
      concurrency: options.concurrency,
      prefetch: options.prefetch,
    });
  const minimal: StartConsumer = (queue, keyPrefix) =>
    Promise.resolve(
      startMinimalConsumer({
        amqpUrl: options.amqpUrl,
        redisUrl: options.redisUrl,
        queue,
        keyPrefix,
        prefetch: options.prefetch,
      }),
    );
  const celery: StartConsumer = (queue) =>
    Promise.resolve(
      startCeleryWorker({
        amqpUrl: options.amqpUrl,
        backendUrl: celeryBackendUrl(options.redisUrl),
        queue,
        concurrency: Number(process.env.BENCH_CELERY_CONCURRENCY ?? 2),
      }),
    );
  const rows: LatencyRow[] = [];
  try {
    for (const rate of rates) {
      // The floor first: what the broker and this machine take to hand a task over at all.
      rows.push(
        await measure(
          MINIMAL_LABEL,
          minimal,
          { redis, prefix: (p) => p },
          options.amqpUrl,
          rate,
          seconds,
        ),
      );
      rows.push(
        await measure(
          'burrow-worker',
          burrow,
          { redis, prefix: (p) => p },
          options.amqpUrl,
          rate,
          seconds,
        ),
      );
      if (process.env.BENCH_CELERY !== 'false' && celeryAvailable()) {
        await unlinkCeleryResults(celeryRedis);
        rows.push(
          await measure(
            'Celery prefork -c 2',
            celery,
            { redis: celeryRedis, prefix: () => '' },
            options.amqpUrl,
            rate,
            seconds,
          ),
        );
        await unlinkCeleryResults(celeryRedis);
      }
    }
  } finally {
    redis.disconnect();
    celeryRedis.disconnect();
  }
  const table = latencyTable(rows);
  process.stdout.write(`\n${table}\n`);
  const dir = path.resolve(__dirname, '..', 'results');
  await mkdir(dir, { recursive: true });
  const header = [
    '# Latency under offered load',
    '',
    `- date: ${new Date().toISOString()}`,
    `- node: ${process.version}; ${os.cpus().length} CPUs; load average ${os.loadavg()[0]?.toFixed(2)} at the end`,
    `- ${seconds} s per rate from a separate publisher process; burrow-worker concurrency ${options.concurrency}, prefetch ${options.prefetch}, log level info`,
    '',
    '',
  ].join('\n');
  await writeFile(path.join(dir, 'latency.md'), `${header}${table}\n`);
  await writeFile(
    path.join(dir, 'latency.json'),
    `${JSON.stringify({ date: new Date().toISOString(), seconds, rows }, null, 2)}\n`,
  );
}

export function latencyTable(rows: readonly LatencyRow[]): string {
  return alignedTable(
    [
      'consumer',
      'offered/s',
      'done',
      'start p50',
      'start p99',
      'start max',
      'result p50',
      'result p99',
      'backlog max',
    ],
    rows.map((r) => [
      r.consumer,
      grouped(r.rate),
      `${grouped(r.completed)} / ${grouped(r.published)}`,
      ms(r.startP50),
      ms(r.startP99),
      ms(r.startMax),
      ms(r.resultP50),
      ms(r.resultP99),
      grouped(r.backlogMax),
    ]),
  );
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err: Error) => {
      process.stderr.write(`latency bench failed: ${err.stack ?? err.message}\n`);
      process.exit(1);
    },
  );
}
