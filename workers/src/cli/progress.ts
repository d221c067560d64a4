import type { RedisResultStore } from '@burrow/shared';

/** What a progress line shows: done (and failed) of total. */
export interface ProgressCounts {
  readonly done: number;
  readonly total: number;
  readonly failed?: number;
}

/** `[#####-----]  40 %  40/100 (2 failed)`: pure, so it is tested without a terminal. */
export function progressLine(counts: ProgressCounts, width = 30): string {
  const ratio = counts.total > 0 ? Math.min(1, counts.done / counts.total) : 0;
  const filled = Math.round(ratio * width);
  const failed = counts.failed ? ` (${counts.failed} failed)` : '';
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)} %  ${counts.done}/${counts.total}${failed}`;
}

/**
 * Shows progress on `out`: a bar redrawn in place on a terminal; otherwise plain lines, at most
 * one a second plus the last, so logs of a scripted run stay readable.
 */
export class ProgressReporter {
  private last = '';
  private lastPlainAt = 0;
  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly label: string,
  ) {}

  update(counts: ProgressCounts): void {
    const line = `${this.label} ${progressLine(counts)}`;
    if (line === this.last) return;
    if (this.out.isTTY) {
      this.last = line;
      this.out.write(`\r${line}`);
      return;
    }
    const now = Date.now();
    if (this.last !== '' && counts.done < counts.total && now - this.lastPlainAt < 1_000) return;
    this.last = line;
    this.lastPlainAt = now;
    this.out.write(`${line}\n`);
  }

  /** Ends the bar's line on a terminal. */
  finish(): void {
    if (this.out.isTTY && this.last) this.out.write('\n');
  }
}

/** A bulk task's PROGRESS result (`sent`/`failed`/`total`, or `done`/`total`) as counts. */
export function countsOf(result: unknown): ProgressCounts | null {
  if (!result || typeof result !== 'object') return null;
  const r = result as Record<string, unknown>;
  const total = Number(r.total);
  if (!Number.isFinite(total) || total <= 0) return null;
  const failed = Number(r.failed ?? 0) || 0;
  const done = r.done !== undefined ? Number(r.done) : Number(r.sent ?? 0) + failed;
  return Number.isFinite(done) ? { done, total, failed } : null;
}

/**
 * Follows a task's PROGRESS state while something else waits for its result; stop it with the
 * returned function. Polls twice a second: progress is advisory, and one GET costs nothing.
 */
export function followProgress(
  results: RedisResultStore,
  taskId: string,
  out: NodeJS.WriteStream,
): () => void {
  const reporter = new ProgressReporter(out, taskId.slice(0, 8));
  const timer = setInterval(() => {
    void results.get(taskId).then(
      (meta) => {
        if (meta?.status !== 'PROGRESS') return;
        const counts = countsOf(meta.result);
        if (counts) reporter.update(counts);
      },
      () => undefined,
    );
  }, 500);
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    reporter.finish();
  };
}
