import { readFile } from 'node:fs/promises';
import type { ConnectionOptions } from 'node:tls';
import type { RedisOptions } from 'ioredis';
import type { RedisConnectionSettings, RedisTlsSettings } from './redis-settings';

export type RedisRole = 'worker' | 'client' | 'subscriber';

/** Reads the TLS files into the options Node's `tls.connect` takes. */
export async function readTlsOptions(tls: RedisTlsSettings): Promise<ConnectionOptions> {
  const read = async (path: string) => (path ? await readFile(path) : undefined);
  const [ca, cert, key] = await Promise.all([
    read(tls.caFile),
    read(tls.certFile),
    read(tls.keyFile),
  ]);
  return {
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    rejectUnauthorized: tls.rejectUnauthorized,
  };
}

/**
 * The ioredis options of one connection; `new Redis(settings.url, options)` still reads the
 * user, password and database number from the URL. `tls` is what `readTlsOptions` returned,
 * or undefined for plain TCP (a bare rediss:// URL still gets TLS with the system's CAs).
 */
export function ioredisOptions(
  settings: RedisConnectionSettings,
  role: RedisRole,
  tls: ConnectionOptions | undefined,
): RedisOptions {
  const common: RedisOptions = {
    lazyConnect: true,
    enableAutoPipelining: role !== 'subscriber',
    maxRetriesPerRequest: role === 'worker' ? null : 3,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    connectionName: `burrow-${role}`,
    ...(tls ? { tls } : {}),
  };
  const sentinel = settings.sentinel;
  if (!sentinel) return common;
  const masterTls = tls ?? (settings.url.startsWith('rediss:') ? {} : undefined);
  return {
    ...common,
    ...(masterTls ? { tls: masterTls } : {}),
    sentinels: sentinel.sentinels.map(({ host, port }) => ({ host, port })),
    name: sentinel.masterName,
    ...(sentinel.password ? { sentinelPassword: sentinel.password } : {}),
    // Without this flag ioredis talks plain TCP to the master even when `tls` is set.
    enableTLSForSentinelMode: masterTls !== undefined,
    ...(sentinel.tls && masterTls ? { sentinelTLS: masterTls } : {}),
    // Listen for +switch-master on the Sentinels and move at once, rather than keep writing to
    // a master that a partition has cut off (and whose writes the failover discards).
    failoverDetector: true,
    // A command that reached the old master just as it was demoted: find the new master and
    // send it again there (2 = reconnect and resend).
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
  };
}
