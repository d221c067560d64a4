/**
 * Limits changed at run time by remote control (`rate_limit`, `time_limit`), per task name and
 * per worker, as Celery keeps them: they last until the worker stops.
 */
export class TaskOverrides {
  private readonly timeLimits = new Map<string, { soft: number | null; hard: number | null }>();
  private readonly rates = new Map<string, { intervalMs: number; nextAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  setTimeLimit(task: string, soft: number | null, hard: number | null): void {
    this.timeLimits.set(task, { soft, hard });
  }

  timeLimit(task: string): { soft: number | null; hard: number | null } | undefined {
    return this.timeLimits.size === 0 ? undefined : this.timeLimits.get(task);
  }

  /** Tasks per second, or null to lift the limit. */
  setRateLimit(task: string, perSecond: number | null): void {
    if (perSecond === null || perSecond <= 0) this.rates.delete(task);
    else this.rates.set(task, { intervalMs: 1000 / perSecond, nextAt: 0 });
  }

  rateLimit(task: string): number | null {
    const rate = this.rates.get(task);
    return rate ? 1000 / rate.intervalMs : null;
  }

  /**
   * Takes the next slot of `task`'s rate and returns how long to wait for it (0 when none is
   * set). A token bucket of capacity one, as Celery's: tasks are spread evenly over time.
   */
  reserve(task: string): number {
    if (this.rates.size === 0) return 0;
    const rate = this.rates.get(task);
    if (!rate) return 0;
    const now = this.now();
    const at = Math.max(now, rate.nextAt);
    rate.nextAt = at + rate.intervalMs;
    return at - now;
  }
}

/**
 * Celery's rate strings: "10/s", "100/m", "1000/h", or a bare number per second; empty, "0" or
 * null lifts the limit. Returns tasks per second, or throws on anything else.
 */
export function parseRate(value: unknown): number | null {
  if (value === null || value === undefined || value === '' || value === 0 || value === '0')
    return null;
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  const match =
    typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*([smh]))?\s*$/.exec(value) : null;
  if (!match)
    throw new RangeError(
      `invalid rate limit ${JSON.stringify(value)}: expected e.g. "10/s", "100/m", "1000/h"`,
    );
  const n = Number(match[1]);
  const per = { s: 1, m: 60, h: 3600 }[(match[2] ?? 's') as 's' | 'm' | 'h'];
  return n === 0 ? null : n / per;
}
