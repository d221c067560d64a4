import { Redis } from 'ioredis';
import type { Logger } from './logging';
import { ioredisOptions, readTlsOptions, type RedisRole } from './redis/ioredis-options';
import { describeRedisTarget, type RedisConnectionSettings } from './redis/redis-settings';

export type { RedisRole } from './redis/ioredis-options';
export {
  describeRedisTarget,
  parseSentinelList,
  type RedisConnectionSettings,
  type RedisSentinelSettings,
  type RedisTlsSettings,
  type SentinelAddress,
} from './redis/redis-settings';

/**
 * How long a process waits at start for the Sentinels to name a master. A plain connection
 * fails at its first refused attempt; ioredis would retry the Sentinels for ever, leaving a
 * process that neither starts nor says why.
 */
export const SENTINEL_START_TIMEOUT_MS = 20_000;

/**
 * A Redis connection that reconnects by itself. Workers queue commands through an outage
 * (their results must land eventually); clients fail fast so a web request is not held. With
 * Sentinel settings it asks the Sentinels for the master, and again after every failover.
 */
export async function connectRedis(
  target: string | RedisConnectionSettings,
  role: RedisRole,
  logger: Logger,
  options: { readonly startTimeoutMs?: number } = {},
): Promise<Redis> {
  const settings = typeof target === 'string' ? { url: target } : target;
  const tls = settings.tls ? await readTlsOptions(settings.tls) : undefined;
  const redis = new Redis(settings.url, ioredisOptions(settings, role, tls));
  const sentinel = settings.sentinel ? describeRedisTarget(settings) : null;
  let lost = false;
  let lastError: Error | null = null;
  let master: string | null = null;
  redis.on('error', (err: Error) => {
    if (!lost) logger.warn('redis connection error', { role, error: err.message });
    lost = true;
    lastError = err;
  });
  redis.on('ready', () => {
    if (lost) logger.info('redis reconnected', { role });
    lost = false;
    if (!sentinel) return;
    // Which node Sentinel named: a change of address is a failover seen from this process.
    const now = `${redis.stream.remoteAddress ?? '?'}:${redis.stream.remotePort ?? '?'}`;
    if (master !== null && master !== now)
      logger.info('redis master changed', { role, sentinel, from: master, to: now });
    master = now;
  });
  try {
    await (sentinel
      ? withinMs(
          redis.connect(),
          options.startTimeoutMs ?? SENTINEL_START_TIMEOUT_MS,
          `no master from the Sentinels within ${(options.startTimeoutMs ?? SENTINEL_START_TIMEOUT_MS) / 1000} s`,
        )
      : redis.connect());
  } catch (err) {
    // Stop the retries a failed first connect leaves running, and say why it failed (a
    // refused certificate, say) rather than ioredis's bare "Connection is closed".
    redis.disconnect();
    const last = (lastError as Error | null)?.message;
    const why =
      last && last !== (err as Error).message
        ? `${(err as Error).message} (${last})`
        : (err as Error).message;
    throw new Error(`redis ${describeRedisTarget(settings)}: ${why}`, { cause: err });
  }
  return redis;
}

function withinMs<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
