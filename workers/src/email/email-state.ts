import type { Redis } from 'ioredis';

export interface EmailStateOptions {
  /** REDIS_KEY_PREFIX. @default '' */
  readonly keyPrefix?: string;
  /** Lifetime of the state, as the task's result (RESULT_EXPIRES). @default 86400 */
  readonly ttlSeconds?: number;
}

/** A bulk task's progress as stored: who is done, and who of them failed and why. */
export interface BulkSnapshot {
  /** Bit i (Redis bit order) set when recipient i is done, sent or failed for good. */
  readonly done: Buffer;
  readonly failures: Map<number, { email: string; error: string }>;
}

/**
 * What an email task has already done, kept in Redis under its task id, so a retry or a
 * redelivery after a crash continues instead of sending again. Kept for the result's lifetime
 * and never deleted early: the task's completion is recorded after the handler returns, and
 * a crash in between must still find the state.
 *
 * Keys: `burrow-email-<id>-done` (bitmap by recipient index), `-failed` (hash index → JSON),
 * `-accepted` (set of addresses), `-rejected` (hash address → error), `burrow-email-<id>-plan`.
 */
export class EmailState {
  private readonly prefix: string;
  private readonly ttl: number;

  constructor(
    private readonly redis: Redis,
    options: EmailStateOptions = {},
  ) {
    this.prefix = options.keyPrefix ?? '';
    this.ttl = options.ttlSeconds ?? 86_400;
  }

  key(taskId: string, part: 'done' | 'failed' | 'accepted' | 'rejected' | 'plan'): string {
    return `${this.prefix}burrow-email-${taskId}-${part}`;
  }

  /** Recipients of a single message already served: accepted, or refused for good. */
  async loadRecipients(
    taskId: string,
  ): Promise<{ accepted: string[]; rejected: Map<string, string> }> {
    const [accepted, rejected] = await Promise.all([
      this.redis.smembers(this.key(taskId, 'accepted')),
      this.redis.hgetall(this.key(taskId, 'rejected')),
    ]);
    return { accepted, rejected: new Map(Object.entries(rejected)) };
  }

  /** Forgets a single message's refusals, so its next attempt asks the server again. */
  async forgetRefusals(taskId: string): Promise<void> {
    await this.redis.del(this.key(taskId, 'rejected'));
  }

  async recordRecipients(
    taskId: string,
    accepted: readonly string[],
    rejected: readonly { address: string; error: string }[],
  ): Promise<void> {
    const multi = this.redis.multi();
    if (accepted.length > 0) {
      multi.sadd(this.key(taskId, 'accepted'), ...accepted);
      multi.expire(this.key(taskId, 'accepted'), this.ttl);
    }
    if (rejected.length > 0) {
      multi.hset(
        this.key(taskId, 'rejected'),
        Object.fromEntries(rejected.map((r) => [r.address, r.error])),
      );
      multi.expire(this.key(taskId, 'rejected'), this.ttl);
    }
    await multi.exec();
  }

  /** Reads a bulk task's progress, creating its bitmap (with its TTL) the first time. */
  async loadBulk(taskId: string): Promise<BulkSnapshot> {
    const done = this.key(taskId, 'done');
    // APPEND of nothing creates the key when absent and leaves it as it is otherwise, so the
    // TTL is set before the first SETBIT and no bit is ever touched here.
    await this.redis.multi().append(done, '').expire(done, this.ttl).exec();
    const [bitmap, failed] = await Promise.all([
      this.redis.getBuffer(done),
      this.redis.hgetall(this.key(taskId, 'failed')),
    ]);
    const failures = new Map<number, { email: string; error: string }>();
    for (const [index, json] of Object.entries(failed))
      failures.set(Number(index), JSON.parse(json) as { email: string; error: string });
    return { done: bitmap ?? Buffer.alloc(0), failures };
  }

  async markSent(taskId: string, index: number): Promise<void> {
    await this.redis.setbit(this.key(taskId, 'done'), index, 1);
  }

  async markFailed(taskId: string, index: number, email: string, error: string): Promise<void> {
    const failed = this.key(taskId, 'failed');
    await this.redis
      .multi()
      .hset(failed, String(index), JSON.stringify({ email, error }))
      .expire(failed, this.ttl)
      .setbit(this.key(taskId, 'done'), index, 1)
      .exec();
  }

  /**
   * The value `produce` gave the first time this task asked, so every attempt works on the
   * same plan (e.g. the digest's recipient list, whose indices the progress bitmap refers to).
   */
  async remember<T>(taskId: string, produce: () => Promise<T>): Promise<T> {
    const key = this.key(taskId, 'plan');
    const known = await this.redis.get(key);
    if (known !== null) return JSON.parse(known) as T;
    const value = await produce();
    const stored = await this.redis.set(key, JSON.stringify(value), 'EX', this.ttl, 'NX');
    if (stored === 'OK') return value;
    const winner = await this.redis.get(key);
    return winner === null ? value : (JSON.parse(winner) as T);
  }
}

/** Whether recipient `index` is marked done in a bitmap read with GET. */
export function isDone(bitmap: Buffer, index: number): boolean {
  const byte = bitmap[index >> 3];
  return byte !== undefined && ((byte >> (7 - (index & 7))) & 1) === 1;
}
