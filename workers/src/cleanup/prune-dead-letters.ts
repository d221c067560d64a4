import type { TaskContext } from '@burrow/shared';
import type { DeadLetterPruning } from './dead-letter-pruning';
import type { CleanupServices } from './services';

const DAY_MS = 86_400_000;

/** The dead_letters step's detail. */
export interface DeadLetterPruneDetail {
  max_age_days: number;
  /** Dead letters that failed before this were removed. */
  cutoff: string;
  total_removed: number;
  /** Per task queue: dead letters removed from its `.dead`. */
  removed: Record<string, number>;
  /** Per task queue: dead letters left. */
  remaining: Record<string, number>;
  /** Queues whose head is known to be younger than the cutoff: not touched, until then. */
  not_due: Record<string, string>;
  /** Queues whose `.dead` does not exist on this broker. */
  not_declared: string[];
  /** Per task queue, why its prune failed (the others still ran). */
  errors: Record<string, string>;
}

/**
 * daily_maintenance_task's dead_letters step: removes dead letters older than `maxAgeDays`
 * from every `<queue>.dead`, counted per queue. One queue's failure is reported and the rest
 * still run; the step's own abort (its time budget) is passed on.
 */
export async function pruneDeadLetters(
  ctx: TaskContext<CleanupServices>,
  pruning: DeadLetterPruning,
  maxAgeDays: number,
): Promise<DeadLetterPruneDetail> {
  const now = ctx.services.now();
  const maxAgeMs = maxAgeDays * DAY_MS;
  const cutoff = new Date(now - maxAgeMs);
  const detail: DeadLetterPruneDetail = {
    max_age_days: maxAgeDays,
    cutoff: cutoff.toISOString(),
    total_removed: 0,
    removed: {},
    remaining: {},
    not_due: {},
    not_declared: [],
    errors: {},
  };
  for (const queue of pruning.queues) {
    ctx.signal.throwIfAborted();
    try {
      // A head remembered under another DEAD_LETTER_MAX_AGE_DAYS may be due now.
      const head = await pruning.heads.notDue(queue);
      if (head !== null && Date.parse(head) >= cutoff.getTime()) {
        detail.not_due[queue] = new Date(Date.parse(head) + maxAgeMs).toISOString();
        continue;
      }
      const report = await pruning.pruner.pruneOlderThan(queue, cutoff, { signal: ctx.signal });
      if (!report.exists) {
        detail.not_declared.push(queue);
        continue;
      }
      detail.removed[queue] = report.removed;
      detail.remaining[queue] = report.remaining;
      detail.total_removed += report.removed;
      if (report.headFailedAt !== null)
        await pruning.heads.remember(
          queue,
          report.headFailedAt,
          Date.parse(report.headFailedAt) + maxAgeMs,
          now,
        );
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      detail.errors[queue] = (err as Error).message || String(err);
    }
  }
  ctx.logger.info('dead letters pruned', {
    removed: detail.total_removed,
    queues: Object.entries(detail.removed)
      .map(([queue, n]) => `${queue}=${n}`)
      .join(','),
  });
  return detail;
}
