import type { Redis } from 'ioredis';

/** Hands out permission to act, one token at a time, at a rate shared by every caller. */
export interface RateLimiter {
  /**
   * Resolves when the caller may act `count` times (a burst, e.g. one multicast); rejects with
   * the signal's reason if it aborts first. @param count @default 1
   */
  take(signal?: AbortSignal, count?: number): Promise<void>;
}

/** No limit (rate 0). */
export const UNLIMITED: RateLimiter = { take: () => Promise.resolve() };

export interface RedisRateLimiterOptions {
  /** Redis key shared by every process that shares the limit. */
  readonly key: string;
  /** Tokens per second across all callers; must be > 0. */
  readonly perSecond: number;
}

/*
 * GCRA as a reservation: the key holds the theoretical time (µs, Redis's own clock) at which
 * the next token is due. Each call takes the later of that and now, moves the key one
 * interval on, and answers how long to wait. Callers are spaced exactly one interval apart
 * fleet-wide with one round trip each and no polling, and worker clocks never matter.
 */
const RESERVE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local due = tonumber(redis.call('GET', KEYS[1]) or '0')
if due < now then due = now end
local nextDue = due + interval
redis.call('SET', KEYS[1], string.format('%.0f', nextDue), 'PX', math.ceil((nextDue - now) / 1000) + 1000)
return math.floor(due - now)`;

interface ScriptedRedis extends Redis {
  burrowRateReserve(key: string, intervalMicros: number): Promise<number>;
}

/**
 * A rate limit enforced in Redis across every worker of the fleet (SMTP_RATE_PER_SECOND).
 * Unlike a fixed window, which lets twice the rate through around a window's edge, tokens are
 * spaced evenly: over any second no more than the rate (plus one) goes out.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly scripted: ScriptedRedis;
  private readonly intervalMicros: number;

  constructor(
    redis: Redis,
    private readonly options: RedisRateLimiterOptions,
  ) {
    if (!(options.perSecond > 0)) throw new Error('perSecond must be > 0');
    this.intervalMicros = Math.max(1, Math.round(1_000_000 / options.perSecond));
    redis.defineCommand('burrowRateReserve', { numberOfKeys: 1, lua: RESERVE_SCRIPT });
    this.scripted = redis as ScriptedRedis;
  }

  async take(signal?: AbortSignal, count = 1): Promise<void> {
    signal?.throwIfAborted();
    // A burst starts when its first token is due and pushes the next caller back by all of it.
    const waitMicros = await this.scripted.burrowRateReserve(
      this.options.key,
      this.intervalMicros * Math.max(1, Math.ceil(count)),
    );
    if (waitMicros > 0) await sleep(waitMicros / 1000, signal);
  }
}

/** A rate limiter from config: 0 means unlimited. */
export function fleetRateLimiter(redis: Redis, key: string, perSecond: number): RateLimiter {
  return perSecond > 0 ? new RedisRateLimiter(redis, { key, perSecond }) : UNLIMITED;
}

/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
