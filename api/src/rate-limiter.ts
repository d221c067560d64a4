import type { Redis } from 'ioredis';

/** A refusal, with how long to wait before the next request would pass. */
export type RateDecision =
  { readonly allowed: true } | { readonly allowed: false; retryAfterMs: number };

/*
 * GCRA (the generic cell rate algorithm), decided in Redis on Redis's clock so every API
 * replica shares one limit per key: the key holds the theoretical arrival time (µs) of the next
 * request. A request passes when that time is no more than `burst` intervals ahead of now, and
 * moves it one interval on; a refused request changes nothing. One round trip, no counters to
 * reset, and no window edge that lets twice the rate through.
 */
const GCRA_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local allowAt = tat + interval - tolerance
if now < allowAt then return math.ceil((allowAt - now) / 1000) end
local nextTat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', nextTat), 'PX', math.ceil((nextTat - now) / 1000) + 1000)
return -1`;

interface ScriptedRedis extends Redis {
  burrowApiRate(key: string, intervalMicros: number, toleranceMicros: number): Promise<number>;
}

/** Per-key request limits, shared by every API process through Redis. */
export class RateLimiter {
  private readonly scripted: ScriptedRedis;

  constructor(
    redis: Redis,
    private readonly keyPrefix: string,
  ) {
    redis.defineCommand('burrowApiRate', { numberOfKeys: 1, lua: GCRA_SCRIPT });
    this.scripted = redis as ScriptedRedis;
  }

  /** Takes one request from `name`'s allowance; `perSecond` 0 always passes without I/O. */
  async take(name: string, perSecond: number, burst: number): Promise<RateDecision> {
    if (!(perSecond > 0)) return { allowed: true };
    const interval = Math.max(1, Math.round(1_000_000 / perSecond));
    const waitMs = await this.scripted.burrowApiRate(
      `${this.keyPrefix}burrow-api-rate-${name}`,
      interval,
      interval * Math.max(1, burst),
    );
    return waitMs < 0 ? { allowed: true } : { allowed: false, retryAfterMs: waitMs };
  }
}
