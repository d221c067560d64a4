import { resolve } from 'node:path';
import type { Redis } from 'ioredis';

/** A file this process is writing; `release()` once it is complete or abandoned. */
export interface FileLease {
  readonly path: string;
  release(): Promise<void>;
}

export interface FilesInUseOptions {
  /** REDIS_KEY_PREFIX. */
  readonly keyPrefix: string;
  /**
   * How long a hold lasts without renewal; a writer that dies leaves its file held this long
   * at most. @default 300
   */
  readonly leaseSeconds?: number;
}

/**
 * The files the fleet's workers are writing now (reports, import error reports), so cleanup
 * never deletes one mid-write. A sorted set in Redis maps each absolute path to the time its
 * hold expires; a holder renews it at a third of the lease, so a killed writer's hold simply
 * lapses and its partial file becomes cleanable again after the usual age.
 */
export class FilesInUse {
  private readonly key: string;
  private readonly leaseMs: number;

  constructor(
    private readonly redis: Redis,
    options: FilesInUseOptions,
  ) {
    this.key = `${options.keyPrefix}burrow-files-in-use`;
    this.leaseMs = (options.leaseSeconds ?? 300) * 1000;
  }

  /** Marks `path` in use until the lease is released (renewed meanwhile). */
  async hold(path: string): Promise<FileLease> {
    const absolute = resolve(path);
    await this.renew(absolute);
    const timer = setInterval(() => {
      this.renew(absolute).catch(() => {
        // Redis away: the hold lapses at worst, and the next renewal restores it.
      });
    }, this.leaseMs / 3);
    timer.unref();
    let released = false;
    return {
      path: absolute,
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(timer);
        await this.redis.zrem(this.key, absolute);
      },
    };
  }

  /** Which of `paths` some worker holds now (absolute paths, as given resolved). */
  async held(paths: readonly string[]): Promise<Set<string>> {
    if (paths.length === 0) return new Set();
    const absolute = paths.map((p) => resolve(p));
    const scores = await this.redis.zmscore(this.key, ...absolute);
    const now = Date.now();
    return new Set(absolute.filter((_, i) => scores[i] !== null && Number(scores[i]) > now));
  }

  /** Every path held now; small (one entry per file being written). */
  async all(): Promise<Set<string>> {
    const now = Date.now();
    return new Set(await this.redis.zrangebyscore(this.key, `(${now}`, '+inf'));
  }

  private async renew(absolute: string): Promise<void> {
    const now = Date.now();
    await this.redis
      .multi()
      .zadd(this.key, now + this.leaseMs, absolute)
      .zremrangebyscore(this.key, '-inf', now)
      .exec();
  }
}
