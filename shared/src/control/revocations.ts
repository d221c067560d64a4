import type { Redis } from 'ioredis';
import type { Logger } from '../logging';

/** The sorted set of revoked ids (score: when the revocation lapses, epoch ms). */
export const revokedKey = (keyPrefix: string): string => `${keyPrefix}burrow-revoked`;

/** Adds ids to the fleet's revocations in Redis, where every worker (even a later one) reads them. */
export async function storeRevocations(
  redis: Redis,
  keyPrefix: string,
  ids: readonly string[],
  expiresSeconds: number,
  now = Date.now(),
): Promise<void> {
  if (ids.length === 0) return;
  const key = revokedKey(keyPrefix);
  const until = now + expiresSeconds * 1000;
  await redis
    .multi()
    .zadd(key, ...ids.flatMap((id) => [until, id]))
    .zremrangebyscore(key, '-inf', now)
    .pexpire(key, expiresSeconds * 1000)
    .exec();
}

export interface RevocationsOptions {
  readonly redis: Redis;
  readonly keyPrefix: string;
  /** How long a revocation holds (Celery's CELERY_WORKER_REVOKE_EXPIRES, 3 h). */
  readonly expiresSeconds: number;
  readonly logger: Logger;
  /** How often the worker re-reads the fleet's revocations. @default 5000 */
  readonly refreshMs?: number;
}

/**
 * Revoked task ids as one worker knows them: its own copy, checked on the task path without
 * I/O, refreshed from Redis every few seconds. A revoke heard by any worker is written to Redis,
 * so it holds on every worker, including ones started after it, until it lapses.
 */
export class Revocations {
  private readonly ids = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private refreshing = false;

  constructor(private readonly options: RevocationsOptions) {}

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.refreshMs ?? 5_000);
    this.timer.unref();
  }

  has(id: string): boolean {
    if (this.ids.size === 0) return false;
    const until = this.ids.get(id);
    return until !== undefined && until > Date.now();
  }

  /** Revokes here at once and in Redis for the fleet; a Redis failure is logged, not thrown. */
  async revoke(ids: readonly string[]): Promise<void> {
    const until = Date.now() + this.options.expiresSeconds * 1000;
    for (const id of ids) this.ids.set(id, until);
    try {
      const { redis, keyPrefix, expiresSeconds } = this.options;
      await storeRevocations(redis, keyPrefix, ids, expiresSeconds);
    } catch (err) {
      this.options.logger.warn('could not store revocations in Redis; held by this worker only', {
        error: (err as Error).message,
      });
    }
  }

  /** Ids revoked and not lapsed. */
  list(): string[] {
    const now = Date.now();
    return [...this.ids].filter(([, until]) => until > now).map(([id]) => id);
  }

  private async refresh(): Promise<void> {
    // A worker's Redis waits out an outage: one read at a time, not one per tick.
    if (this.refreshing) return;
    this.refreshing = true;
    const { redis, keyPrefix } = this.options;
    const now = Date.now();
    try {
      const entries = await redis.zrangebyscore(revokedKey(keyPrefix), now, '+inf', 'WITHSCORES');
      for (let i = 0; i + 1 < entries.length; i += 2)
        this.ids.set(entries[i]!, Number(entries[i + 1]));
      for (const [id, until] of this.ids) if (until <= now) this.ids.delete(id);
    } catch (err) {
      this.options.logger.warn('could not read revocations from Redis', {
        error: (err as Error).message,
      });
    } finally {
      this.refreshing = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
