import type { ResultOf, systemHealthCheckTask } from '@burrow/contracts';
import type { Redis } from 'ioredis';

export type HealthReport = ResultOf<typeof systemHealthCheckTask>;

/** Where the latest health report is kept; `burrow health` reads it from the same key. */
export function healthSnapshotKey(keyPrefix: string): string {
  return `${keyPrefix}burrow-health-latest`;
}

/**
 * The latest health report of the fleet, one key in Redis, so an operator (or a probe) can read
 * it without running a check. Kept as long as results are.
 */
export class HealthSnapshots {
  constructor(
    private readonly redis: Redis,
    private readonly options: { readonly keyPrefix: string; readonly ttlSeconds: number },
  ) {}

  async record(report: HealthReport): Promise<void> {
    const key = healthSnapshotKey(this.options.keyPrefix);
    await this.redis.set(key, JSON.stringify(report), 'EX', this.options.ttlSeconds);
  }

  async latest(): Promise<HealthReport | null> {
    const text = await this.redis.get(healthSnapshotKey(this.options.keyPrefix));
    return text === null ? null : (JSON.parse(text) as HealthReport);
  }
}
