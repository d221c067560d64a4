import { randomUUID } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Redis } from 'ioredis';

/** A file this process is writing; `release()` once it is complete or abandoned. */
export interface FileLease {
  /** The held path, absolute, with its folder's symlinks resolved (as a sweep sees it). */
  readonly path: string;
  release(): Promise<void>;
}

export interface FilesInUseOptions {
  /** REDIS_KEY_PREFIX. */
  readonly keyPrefix: string;
  /**
   * How long a hold lasts without renewal; a writer that dies leaves its file held this long
   * at most. At least 1. @default 300
   */
  readonly leaseSeconds?: number;
  /** The clock leases are measured against. @default Date.now */
  readonly now?: () => number;
}

/**
 * Absolute path with the folder's symlinks resolved: a writer may name `reports/x.csv` through
 * a symlinked folder while a sweep walks real paths, and both must name the same member. The
 * file itself may not exist yet (a hold comes before the first write), so only its folder is
 * resolved; a folder that does not exist is left as it is.
 */
export async function canonicalPath(path: string): Promise<string> {
  const absolute = resolve(path);
  try {
    return join(await realpath(dirname(absolute)), basename(absolute));
  } catch {
    return absolute;
  }
}

/**
 * The files the fleet's workers are writing now (reports, import error reports), so cleanup
 * never deletes one mid-write. A sorted set in Redis holds one member per hold,
 * `<hold id> <path>`, scored by the time the hold expires; a holder renews it at a third of
 * the lease, so a killed writer's hold simply lapses and its partial file becomes cleanable
 * again after the usual age. One member per hold (not per path) means two writers of the same
 * path (a redelivered attempt beside a slow one) do not release each other's hold. Expiry is
 * measured on each process's clock: hosts a few seconds apart change nothing at a 5-minute
 * lease.
 */
export class FilesInUse {
  private readonly key: string;
  private readonly leaseMs: number;
  private readonly now: () => number;

  constructor(
    private readonly redis: Redis,
    options: FilesInUseOptions,
  ) {
    this.key = `${options.keyPrefix}burrow-files-in-use`;
    this.leaseMs = Math.max(1, options.leaseSeconds ?? 300) * 1000;
    this.now = options.now ?? Date.now;
  }

  /** Marks `path` in use until the lease is released (renewed meanwhile). */
  async hold(path: string): Promise<FileLease> {
    const absolute = await canonicalPath(path);
    const member = `${randomUUID()} ${absolute}`;
    await this.renew(member);
    const timer = setInterval(() => {
      this.renew(member).catch(() => {
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
        // Sent after any renewal already under way (one connection keeps order), so a late
        // renewal cannot bring the hold back.
        await this.redis.zrem(this.key, member);
      },
    };
  }

  /** Which of `paths` some worker holds now (as canonical paths, see `canonicalPath`). */
  async held(paths: readonly string[]): Promise<Set<string>> {
    if (paths.length === 0) return new Set();
    const wanted = await Promise.all(paths.map(canonicalPath));
    const all = await this.all();
    return new Set(wanted.filter((p) => all.has(p)));
  }

  /** Every path held now; small (one entry per file being written). */
  async all(): Promise<Set<string>> {
    const members = await this.redis.zrangebyscore(this.key, `(${this.now()}`, '+inf');
    return new Set(members.map((m) => m.slice(m.indexOf(' ') + 1)));
  }

  private async renew(member: string): Promise<void> {
    const now = this.now();
    await this.redis
      .multi()
      .zadd(this.key, now + this.leaseMs, member)
      .zremrangebyscore(this.key, '-inf', now)
      .expire(this.key, Math.ceil((this.leaseMs * 2) / 1000))
      .exec();
  }
}
