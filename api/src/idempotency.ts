import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** What a first submission under an Idempotency-Key reserved. */
export type Reservation =
  | { readonly kind: 'new'; readonly taskId: string }
  | { readonly kind: 'replay'; readonly taskId: string }
  | { readonly kind: 'conflict'; readonly taskId: string };

/**
 * Idempotency-Key → task id, per caller, for a window (SET NX with a TTL): a client that
 * retries a submission after a timeout gets the task it already created instead of a second
 * one. The request's fingerprint is stored beside the id, so the same key reused for a
 * different request is refused rather than silently answered with the first task.
 */
export class IdempotencyStore {
  constructor(
    private readonly redis: Redis,
    private readonly options: { readonly keyPrefix: string; readonly ttlSeconds: number },
  ) {}

  /** Reserves `candidateId` for (caller, key), or answers the id reserved before. */
  async reserve(
    caller: string,
    idempotencyKey: string,
    fingerprint: string,
    candidateId: string,
  ): Promise<Reservation> {
    const key = this.redisKey(caller, idempotencyKey);
    const value = JSON.stringify({ id: candidateId, fingerprint });
    const set = await this.redis.set(key, value, 'EX', this.options.ttlSeconds, 'NX');
    if (set === 'OK') return { kind: 'new', taskId: candidateId };
    const stored = await this.redis.get(key);
    // Expired between the two calls: the window is over, so this is a new submission.
    if (stored === null) return this.reserve(caller, idempotencyKey, fingerprint, candidateId);
    const previous = JSON.parse(stored) as { id: string; fingerprint: string };
    return previous.fingerprint === fingerprint
      ? { kind: 'replay', taskId: previous.id }
      : { kind: 'conflict', taskId: previous.id };
  }

  /** Frees a reservation whose publish failed, so the client's retry publishes again. */
  async release(caller: string, idempotencyKey: string): Promise<void> {
    await this.redis.del(this.redisKey(caller, idempotencyKey));
  }

  private redisKey(caller: string, idempotencyKey: string): string {
    const digest = createHash('sha256').update(idempotencyKey).digest('hex');
    return `${this.options.keyPrefix}burrow-api-idem-${caller}-${digest}`;
  }
}

/** A stable digest of what was asked: task, kwargs and options, key order ignored. */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}
