import type { CompiledEntry } from './schedule-entry';

/** The next `count` fire times strictly after `from`. */
export function nextFireTimes(entry: CompiledEntry, from: Date, count: number): Date[] {
  return entry.cronJob.nextRuns(count, from);
}

/** Fire times in the half-open interval (after, until], oldest first, at most `limit`. */
export function fireTimesBetween(
  entry: CompiledEntry,
  after: Date,
  until: Date,
  limit = 10_000,
): Date[] {
  const times: Date[] = [];
  let cursor: Date | null = after;
  while (times.length < limit) {
    cursor = entry.cronJob.nextRun(cursor);
    if (!cursor || cursor.getTime() > until.getTime()) break;
    times.push(cursor);
  }
  return times;
}

/**
 * The slot a tick at `now` stands for: the latest fire time at or before now + `toleranceMs`
 * (a timer may fire a little early). Every replica computes the same slot for the same tick.
 */
export function slotForTick(entry: CompiledEntry, now: Date, toleranceMs = 500): Date | null {
  const ref = new Date(now.getTime() + toleranceMs);
  const [latest] = entry.cronJob.previousRuns(1, ref);
  if (latest && latest.getTime() <= ref.getTime()) return latest;
  return null;
}

/**
 * Fire times to publish on start: those after the last published slot and within the entry's
 * catch-up window, narrowed by its rule. No record of a last slot means no history to catch up.
 */
export function catchUpSlots(
  entry: CompiledEntry,
  lastPublished: Date | null,
  now: Date,
  limit = 100,
): Date[] {
  if (entry.catchUp === 'none' || lastPublished === null) return [];
  const windowStart = new Date(now.getTime() - entry.catchUpWindowSeconds * 1000);
  const after = lastPublished > windowStart ? lastPublished : windowStart;
  const missed = fireTimesBetween(entry, after, now);
  if (missed.length === 0) return [];
  return entry.catchUp === 'latest' ? missed.slice(-1) : missed.slice(-limit);
}

/** Seconds between the next two fire times after `from`: the entry's current period. */
export function periodSeconds(entry: CompiledEntry, from: Date): number {
  const [a, b] = nextFireTimes(entry, from, 2);
  if (!a || !b) return 86_400;
  return Math.max(1, Math.round((b.getTime() - a.getTime()) / 1000));
}

/** The entry's expires, or half its period (at least 1 s, at most 12 h) so stale work is dropped. */
export function expiresSeconds(entry: CompiledEntry, from: Date): number {
  return (
    entry.options?.expiresSeconds ??
    Math.min(12 * 3600, Math.max(1, Math.floor(periodSeconds(entry, from) / 2)))
  );
}
