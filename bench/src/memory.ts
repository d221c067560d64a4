import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import { Redis } from 'ioredis';
import { encodeTaskMessage } from '@burrow/contracts';
import {
  BENCH_TASK,
  QueueFixture,
  burrowTopology,
  freshNamespace,
  removeRunQueues,
  unlinkPrefix,
} from './fixture';
import { grouped } from './format';
import { loadBenchOptions } from './options';
import { alignedTable } from './report';
import { summariseMemory, type Sample } from './memory-summary';
import { burrowMetrics, burrowSuccesses, startBurrowWorker } from './processes';

/**
 * Worker memory over a long run (`npm run bench:memory`): a burrow-worker process (production
 * defaults, results kept BENCH_MEMORY_RESULT_EXPIRES seconds) is sampled idle, then while it runs
 * BENCH_MEMORY_TASKS no-op tasks (default 1 000 000) fed so that at most BENCH_MEMORY_BACKLOG
 * wait in the queue. RSS is read from /proc every second beside the count of tasks done.
 * Growth is the mean RSS of the last tenth of the run minus that of the tenth after warm-up
 * (the first 10 % of tasks). Writes bench/results/memory.md and memory.json.
 */

const PUBLISH_BATCH = 1_000;

async function main(): Promise<void> {
  const options = loadBenchOptions();
  const total = Number((process.env.BENCH_MEMORY_TASKS ?? '1000000').replace(/_/g, ''));
  const maxBacklog = Number(process.env.BENCH_MEMORY_BACKLOG ?? 50_000);
  const idleSeconds = Number(process.env.BENCH_MEMORY_IDLE_SECONDS ?? 5);
  const ns = freshNamespace('memory');
  const redis = new Redis(options.redisUrl, { connectionName: 'bench-memory' });
  const fixture = await QueueFixture.connect(options.amqpUrl);
  await fixture.declare(burrowTopology(ns.queue));
  await fixture.close();
  const worker = await startBurrowWorker({
    amqpUrl: options.amqpUrl,
    redisUrl: options.redisUrl,
    queue: ns.queue,
    keyPrefix: ns.keyPrefix,
    concurrency: options.concurrency,
    prefetch: options.prefetch,
    env: { RESULT_EXPIRES: process.env.BENCH_MEMORY_RESULT_EXPIRES ?? '300' },
  });
  const connection = await amqplib.connect(options.amqpUrl, {
    clientProperties: { connection_name: 'bench memory feeder' },
  });
  const samples: Sample[] = [];
  try {
    await worker.ready;
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
    const idleMb = worker.rssMb();
    process.stdout.write(`idle: ${idleMb.toFixed(1)} MB RSS after ${idleSeconds} s\n`);

    const channel = await connection.createConfirmChannel();
    const started = performance.now();
    let done = 0;
    let published = 0;
    const sampler = setInterval(() => {
      burrowMetrics(worker.metricsPort).then(
        (metrics) => {
          done = metrics.successes;
          const sample = {
            seconds: (performance.now() - started) / 1000,
            done,
            rssMb: worker.rssMb(),
            heapUsedMb: metrics.heapUsedMb,
          };
          samples.push(sample);
          if (samples.length % 10 === 0)
            process.stdout.write(
              `${grouped(done)} / ${grouped(total)} done, RSS ${sample.rssMb.toFixed(1)} MB, heap ${sample.heapUsedMb.toFixed(1)} MB\n`,
            );
        },
        () => undefined,
      );
    }, 1_000);
    try {
      while (published < total) {
        if (published - done > maxBacklog) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          done = await burrowSuccesses(worker.metricsPort);
          continue;
        }
        const batch = Math.min(PUBLISH_BATCH, total - published);
        for (let i = 0; i < batch; i++) {
          const encoded = encodeTaskMessage({
            id: randomUUID(),
            task: BENCH_TASK,
            args: [],
            kwargs: {},
          });
          channel.publish(ns.queue, ns.queue, encoded.content, {
            contentType: encoded.contentType,
            contentEncoding: encoded.contentEncoding,
            correlationId: encoded.correlationId,
            headers: encoded.headers,
            persistent: true,
          });
        }
        await channel.waitForConfirms();
        published += batch;
      }
      let lastProgress = Date.now();
      while (done < total) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        const now = await burrowSuccesses(worker.metricsPort);
        if (now > done) lastProgress = Date.now();
        done = now;
        if (Date.now() - lastProgress > 60_000)
          throw new Error(`stalled at ${done} of ${total}:\n${worker.tail()}`);
      }
    } finally {
      clearInterval(sampler);
    }
    const seconds = (performance.now() - started) / 1000;
    const summary = summariseMemory(samples, total, idleMb);
    const signed = (mb: number) => `${mb >= 0 ? '+' : ''}${mb.toFixed(1)}`;
    const table = alignedTable(
      ['measure', 'MB'],
      [
        [`idle (ready, ${idleSeconds} s)`, idleMb.toFixed(1)],
        [
          `after warm-up (mean over ${grouped(total * 0.1)}–${grouped(total * 0.2)} tasks)`,
          summary.warmMb.toFixed(1),
        ],
        [`end of run (mean over the last ${grouped(total * 0.1)} tasks)`, summary.endMb.toFixed(1)],
        ['peak', summary.peakMb.toFixed(1)],
        ['growth after warm-up', signed(summary.growthMb)],
        [
          'V8 heap used after warm-up / at the end',
          `${summary.warmHeapMb.toFixed(1)} / ${summary.endHeapMb.toFixed(1)}`,
        ],
      ],
    );
    process.stdout.write(
      `\n${grouped(total)} tasks in ${seconds.toFixed(1)} s (${grouped(total / seconds)}/s)\n${table}\n`,
    );
    const dir = path.resolve(__dirname, '..', 'results');
    await mkdir(dir, { recursive: true });
    await writeFile(
      path.join(dir, 'memory.md'),
      `# Worker memory over ${grouped(total)} tasks\n\n- date: ${new Date().toISOString()}\n- node: ${process.version}; ${os.cpus().length} CPUs\n- ${grouped(total)} no-op tasks in ${seconds.toFixed(1)} s, at most ${grouped(maxBacklog)} queued; burrow-worker concurrency ${options.concurrency}, prefetch ${options.prefetch}, log level info\n\n${table}\n`,
    );
    await writeFile(
      path.join(dir, 'memory.json'),
      `${JSON.stringify({ date: new Date().toISOString(), total, seconds, idleMb, ...summary, samples }, null, 2)}\n`,
    );
  } finally {
    await connection.close().catch(() => undefined);
    await worker.stop();
    await removeRunQueues(options.amqpUrl, ns.queue).catch(() => undefined);
    await unlinkPrefix(redis, ns.keyPrefix).catch(() => undefined);
    redis.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`memory bench failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
