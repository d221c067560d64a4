import fs from 'node:fs';
import { Redis } from 'ioredis';
import type { DrainResult } from './drain-result';
import { startProgress } from './format';
import {
  burrowSuccesses,
  startBurrowWorker,
  startCeleryWorker,
  type ConsumerProcess,
} from './processes';
import { readResults, resultRate, scanKeys } from './result-times';

export interface ProcessDrainOptions {
  readonly label: string;
  readonly amqpUrl: string;
  readonly redisUrl: string;
  readonly queue: string;
  readonly keyPrefix: string;
  readonly tasks: number;
  readonly concurrency: number;
  readonly prefetch: number;
}

/** A drain that stops advancing this long has failed. */
const STALL_MS = 60_000;
const CLOCK_TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) of `pid` and its live children, from /proc. */
function processCpuSeconds(pid: number): number {
  const read = (p: number): number => {
    try {
      const fields = fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      // utime, stime are fields 14 and 15 of stat; [0] here is field 3.
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    } catch {
      return 0;
    }
  };
  let children: number[] = [];
  try {
    const text = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    children = text ? text.split(/\s+/).map(Number) : [];
  } catch {
    children = [];
  }
  return [pid, ...children].reduce((sum, p) => sum + read(p), 0);
}

/** The Redis database the Celery runs store their results in: Celery 5.2 has no key prefix. */
export function celeryBackendUrl(redisUrl: string): string {
  const url = new URL(redisUrl);
  url.pathname = `/${process.env.BENCH_CELERY_REDIS_DB ?? '9'}`;
  return url.toString();
}

/**
 * Drains a filled queue with a consumer process, timing from its first stored result to its
 * last (process start-up excluded, as the in-process rows exclude it), and reading CPU from /proc.
 */
async function drainWith(
  options: ProcessDrainOptions,
  consumer: ConsumerProcess,
  completed: () => Promise<number>,
  results: { redis: Redis; prefix: string },
): Promise<DrainResult> {
  let done = 0;
  const stopProgress = startProgress(options.label, options.tasks, 'drained', () => done);
  try {
    await consumer.ready;
    const cpuAtReady = processCpuSeconds(consumer.pid);
    let lastProgress = Date.now();
    while (done < options.tasks) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const now = await completed();
      if (now > done) lastProgress = Date.now();
      done = now;
      if (Date.now() - lastProgress > STALL_MS)
        throw new Error(
          `${options.label}: no task completed for ${STALL_MS / 1000} s (${done} of ${options.tasks}):\n${consumer.tail()}`,
        );
    }
    const cpuSeconds = processCpuSeconds(consumer.pid) - cpuAtReady;
    stopProgress();
    const stored = await readResults(results.redis, results.prefix);
    const bad = [...stored.values()].filter((r) => r.status !== 'SUCCESS').length;
    if (bad > 0) throw new Error(`${options.label}: ${bad} results are not SUCCESS`);
    const { tasks, seconds } = resultRate(stored.values());
    return { consumer: options.label, tasks, seconds, startSeconds: 0, cpuSeconds };
  } finally {
    stopProgress();
    await consumer.stop();
  }
}

/** A real burrow-worker process with its production defaults (info logs to a pipe, metrics on). */
export async function drainBurrowProcess(
  options: ProcessDrainOptions,
  env: Record<string, string> = {},
): Promise<DrainResult> {
  const redis = new Redis(options.redisUrl, { connectionName: 'bench-results' });
  try {
    const worker = await startBurrowWorker({ ...options, env });
    return await drainWith(options, worker, () => burrowSuccesses(worker.metricsPort), {
      redis,
      prefix: options.keyPrefix,
    });
  } finally {
    redis.disconnect();
  }
}

/** Celery 5 prefork with `concurrency` processes on the same queue and brokers. */
export async function drainCeleryProcess(options: ProcessDrainOptions): Promise<DrainResult> {
  const backendUrl = celeryBackendUrl(options.redisUrl);
  const redis = new Redis(backendUrl, { connectionName: 'bench-celery-results' });
  try {
    await unlinkCeleryResults(redis);
    const worker = startCeleryWorker({
      amqpUrl: options.amqpUrl,
      backendUrl,
      queue: options.queue,
      concurrency: options.concurrency,
    });
    return await drainWith(options, worker, () => redis.dbsize(), { redis, prefix: '' });
  } finally {
    await unlinkCeleryResults(redis).catch(() => undefined);
    redis.disconnect();
  }
}

/** Removes Celery result keys from the bench's Celery database. */
export async function unlinkCeleryResults(redis: Redis): Promise<void> {
  const keys = await scanKeys(redis, 'celery-task-meta-*');
  for (let i = 0; i < keys.length; i += 5_000) await redis.unlink(...keys.slice(i, i + 5_000));
}
