/**
 * Where a process's Redis is and how to reach it. `loadConfig` builds it from the REDIS_*
 * variables; tests and benches may pass a bare URL to `connectRedis` instead.
 */
export interface RedisConnectionSettings {
  /**
   * `redis://` or `rediss://` URL. With `sentinel`, its host and port are not used: only its
   * user, password and database number, which apply to whichever node is master.
   */
  readonly url: string;
  /** Find the master through Sentinel, and find it again after a failover. @default null */
  readonly sentinel?: RedisSentinelSettings | null;
  /** Connect over TLS with these files; null = plain TCP (unless the URL is rediss://). @default null */
  readonly tls?: RedisTlsSettings | null;
}

export interface RedisSentinelSettings {
  /** A few of the Sentinels; the rest are learnt from them. */
  readonly sentinels: readonly SentinelAddress[];
  /** The master group Sentinel monitors (`sentinel monitor <name> …`). @default 'mymaster' */
  readonly masterName: string;
  /** The Sentinels' own password (their `requirepass`); empty = none. */
  readonly password: string;
  /** Talk TLS to the Sentinels too, with the same files as to the data nodes. @default false */
  readonly tls: boolean;
}

export interface SentinelAddress {
  readonly host: string;
  readonly port: number;
}

/** Paths, read when connecting; an empty path means "not given". */
export interface RedisTlsSettings {
  /** PEM bundle of the CAs that signed the server's certificate; empty = the system's CAs. */
  readonly caFile: string;
  /** Client certificate and key, for servers with `tls-auth-clients yes`. */
  readonly certFile: string;
  readonly keyFile: string;
  /** false accepts any server certificate: for a test rig, never for production. @default true */
  readonly rejectUnauthorized: boolean;
}

/** Sentinel's default port, as in `redis-sentinel`'s own configuration. */
export const SENTINEL_DEFAULT_PORT = 26_379;

/**
 * Parses `host:port` items (`[::1]:26379` for IPv6; a missing port is 26379). Returns the
 * item it could not read instead of throwing, so the caller names its own variable.
 */
export function parseSentinelList(
  items: readonly string[],
): { sentinels: SentinelAddress[] } | { bad: string } {
  const sentinels: SentinelAddress[] = [];
  for (const item of items) {
    const match = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(item);
    const host = match?.[1] ?? match?.[2];
    const port = match?.[3] === undefined ? SENTINEL_DEFAULT_PORT : Number(match[3]);
    if (!host || port < 1 || port > 65_535) return { bad: item };
    sentinels.push({ host, port });
  }
  return { sentinels };
}

/**
 * How the Redis target reads in logs and `inspect stats` (Celery shows its result_backend
 * there): the URL without its password, or the Sentinels and master name.
 */
export function describeRedisTarget(settings: RedisConnectionSettings): string {
  const sentinel = settings.sentinel;
  if (!sentinel) return redactPassword(settings.url);
  const scheme = settings.tls || settings.url.startsWith('rediss:') ? 'sentinel+tls' : 'sentinel';
  const hosts = sentinel.sentinels
    .map(({ host, port }) => `${host.includes(':') ? `[${host}]` : host}:${port}`)
    .join(',');
  return `${scheme}://${hosts}/${sentinel.masterName}`;
}

function redactPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable url>';
  }
}
