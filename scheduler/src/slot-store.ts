import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
/** Sets a held claim's expiry; 0 when the claim is no longer this token's. */
const EXTEND = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RAISE = `local c = redis.call('GET', KEYS[1])
if not c or tonumber(c) < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) return 1 end
return 0`;

export interface SlotStoreOptions {
  readonly redis: Redis;
  /** Prepended to every key (REDIS_KEY_PREFIX). @default '' */
  readonly keyPrefix?: string;
  /** How long a published slot's claim lives. @default 86400 */
  readonly claimTtlSeconds?: number;
  /**
   * How long a claim lives until its publish is confirmed (renewed meanwhile): a scheduler that
   * dies in between holds the slot this long at most. @default 30
   */
  readonly claimLeaseSeconds?: number;
}

/**
 * Fire-time claims and the last published fire time per entry, in Redis. A claim is
 * `SET burrow-schedule:<entry>:<slot ISO> <token> NX PX lease`: the first replica wins the
 * slot, holds it for a short lease while it publishes (renewing it), and extends it to the full
 * TTL once the broker has confirmed. A holder that dies lets the lease lapse, and another
 * replica takes the slot over.
 */
export class SlotStore {
  private readonly prefix: string;
  private readonly ttlMs: number;
  readonly leaseMs: number;

  constructor(private readonly options: SlotStoreOptions) {
    this.prefix = options.keyPrefix ?? '';
    this.ttlMs = (options.claimTtlSeconds ?? 86_400) * 1000;
    this.leaseMs = Math.min(this.ttlMs, (options.claimLeaseSeconds ?? 30) * 1000);
  }

  claimKey(entry: string, slot: Date): string {
    return `${this.prefix}burrow-schedule:${entry}:${slot.toISOString()}`;
  }

  lastKey(entry: string): string {
    return `${this.prefix}burrow-schedule-last:${entry}`;
  }

  /** A token when this process won the slot (for a lease), null when another holds it. */
  async claim(entry: string, slot: Date): Promise<string | null> {
    const token = randomBytes(8).toString('hex');
    const ok = await this.options.redis.set(
      this.claimKey(entry, slot),
      token,
      'PX',
      this.leaseMs,
      'NX',
    );
    return ok === 'OK' ? token : null;
  }

  /** Renews the lease of a claim still publishing; false when it is no longer ours. */
  async renew(entry: string, slot: Date, token: string): Promise<boolean> {
    const key = this.claimKey(entry, slot);
    return (await this.options.redis.eval(EXTEND, 1, key, token, this.leaseMs)) === 1;
  }

  /** The publish is confirmed: the claim now lives its full TTL, so the slot is never redone. */
  async settle(entry: string, slot: Date, token: string): Promise<void> {
    await this.options.redis.eval(EXTEND, 1, this.claimKey(entry, slot), token, this.ttlMs);
  }

  /** Gives a slot back (its publish failed) so another attempt may take it. */
  async release(entry: string, slot: Date, token: string): Promise<void> {
    await this.options.redis.eval(RELEASE, 1, this.claimKey(entry, slot), token);
  }

  /** Records `slot` as published unless a later one is already recorded. */
  async markPublished(entry: string, slot: Date): Promise<void> {
    await this.options.redis.eval(RAISE, 1, this.lastKey(entry), String(slot.getTime()));
  }

  async lastPublished(entry: string): Promise<Date | null> {
    const value = await this.options.redis.get(this.lastKey(entry));
    return value === null ? null : new Date(Number(value));
  }
}
