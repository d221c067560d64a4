import { Redis } from 'ioredis';
import type { Logger } from './logging';

export type RedisRole = 'worker' | 'client' | 'subscriber';

/**
 * A Redis connection that reconnects by itself. Workers queue commands through an outage
 * (their results must land eventually); clients fail fast so a web request is not held.
 */
export async function connectRedis(url: string, role: RedisRole, logger: Logger): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableAutoPipelining: role !== 'subscriber',
    maxRetriesPerRequest: role === 'worker' ? null : 3,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    connectionName: `burrow-${role}`,
  });
  let lost = false;
  redis.on('error', (err: Error) => {
    if (!lost) logger.warn('redis connection error', { role, error: err.message });
    lost = true;
  });
  redis.on('ready', () => {
    if (lost) logger.info('redis reconnected', { role });
    lost = false;
  });
  await redis.connect();
  return redis;
}
