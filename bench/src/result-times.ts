import type { Redis } from 'ioredis';

const MGET_BATCH = 2_000;

/** A stored Celery result meta, as much of it as the bench reads. */
export interface StoredResult {
  readonly status: string;
  readonly result: unknown;
  /** date_done in epoch milliseconds (Celery writes microseconds, burrow milliseconds). */
  readonly doneAt: number;
}

/**
 * `celery-task-meta-*` keys under `prefix`, read in batches. Celery writes date_done without a
 * zone (UTC), burrow with a `Z`: both are read as UTC.
 */
export async function readResults(
  redis: Redis,
  prefix: string,
  ids?: readonly string[],
): Promise<Map<string, StoredResult>> {
  const keys = ids
    ? ids.map((id) => `${prefix}celery-task-meta-${id}`)
    : await scanKeys(redis, `${prefix}celery-task-meta-*`);
  const results = new Map<string, StoredResult>();
  for (let i = 0; i < keys.length; i += MGET_BATCH) {
    const batch = keys.slice(i, i + MGET_BATCH);
    const values = await redis.mget(...batch);
    values.forEach((value, j) => {
      if (value === null) return;
      const meta = JSON.parse(value) as { status: string; result: unknown; date_done: string };
      const done =
        meta.date_done.endsWith('Z') || /[+-]\d\d:\d\d$/.test(meta.date_done)
          ? meta.date_done
          : `${meta.date_done}Z`;
      results.set(batch[j]!.slice(prefix.length + 'celery-task-meta-'.length), {
        status: meta.status,
        result: meta.result,
        doneAt: Date.parse(done) + subMillis(meta.date_done),
      });
    });
  }
  return results;
}

/** The microseconds Date.parse drops from "…:SS.ffffff", as a fraction of a millisecond. */
function subMillis(iso: string): number {
  const digits = /\.(\d+)/.exec(iso)?.[1] ?? '';
  return digits.length > 3 ? Number(`0.${digits.slice(3)}`) : 0;
}

export async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 5_000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

/** Tasks per second between the first and the last stored result (the run's steady rate). */
export function resultRate(results: Iterable<StoredResult>): { tasks: number; seconds: number } {
  let first = Infinity;
  let last = -Infinity;
  let tasks = 0;
  for (const r of results) {
    tasks++;
    first = Math.min(first, r.doneAt);
    last = Math.max(last, r.doneAt);
  }
  return { tasks, seconds: tasks > 1 ? (last - first) / 1000 : 0 };
}

/** The p-th percentile (0–100) of `sorted` (ascending), nearest rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}
