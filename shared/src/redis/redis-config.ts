import fs from 'node:fs';
import { ConfigError } from '../errors';
import {
  parseSentinelList,
  type RedisConnectionSettings,
  type RedisTlsSettings,
} from './redis-settings';

/** The redis block of the process schema, as convict validated it. */
export interface RawRedisConfig {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly password: string;
  readonly tls: boolean;
  readonly tlsCaFile: string;
  readonly tlsCertFile: string;
  readonly tlsKeyFile: string;
  readonly tlsRejectUnauthorized: boolean;
  readonly sentinels: string;
  readonly sentinelMaster: string;
  readonly sentinelPassword: string;
  readonly sentinelTls: boolean;
}

/**
 * Celery's spelling of TLS options in a rediss:// result_backend URL, which Celery insists on
 * (`?ssl_cert_reqs=required`). Read here so the URL of a Celery deployment works unchanged;
 * they are taken out of the URL, which ioredis would otherwise read as options of its own.
 */
const CELERY_TLS_PARAMS = ['ssl_cert_reqs', 'ssl_ca_certs', 'ssl_certfile', 'ssl_keyfile'];

/**
 * Turns the REDIS_* values into connection settings. Fails fast, naming the variable, on an
 * unreadable sentinel list, TLS files that cannot be read, or TLS files with TLS off (a
 * likely typo that would otherwise send the password in clear).
 */
export function redisSettingsFromConfig(raw: RawRedisConfig): RedisConnectionSettings {
  const { url, celery } = withoutCeleryParams(baseUrl(raw));
  const tlsOn = raw.tls || url.startsWith('rediss:');
  const tls: RedisTlsSettings = {
    caFile: raw.tlsCaFile || celery.get('ssl_ca_certs') || '',
    certFile: raw.tlsCertFile || celery.get('ssl_certfile') || '',
    keyFile: raw.tlsKeyFile || celery.get('ssl_keyfile') || '',
    rejectUnauthorized: raw.tlsRejectUnauthorized && !certReqsIsNone(celery.get('ssl_cert_reqs')),
  };
  const named = {
    REDIS_TLS_CA_FILE: tls.caFile,
    REDIS_TLS_CERT_FILE: tls.certFile,
    REDIS_TLS_KEY_FILE: tls.keyFile,
  };
  if (!tlsOn) {
    const stray = Object.entries(named).find(([, path]) => path !== '');
    if (stray)
      throw new ConfigError(
        `${stray[0]}: set, but Redis TLS is off; use a rediss:// REDIS_URL or REDIS_TLS=true`,
      );
    if (raw.sentinelTls)
      throw new ConfigError('REDIS_SENTINEL_TLS: needs Redis TLS on (REDIS_TLS=true or rediss://)');
  }
  if (tlsOn) {
    for (const [variable, path] of Object.entries(named)) if (path) assertReadable(variable, path);
    if ((tls.certFile === '') !== (tls.keyFile === ''))
      throw new ConfigError(
        'REDIS_TLS_CERT_FILE: a client certificate needs REDIS_TLS_KEY_FILE too',
      );
  }
  return {
    url: tlsOn ? url.replace(/^redis:/, 'rediss:') : url,
    sentinel: sentinelSettings(raw),
    tls: tlsOn ? tls : null,
  };
}

function baseUrl(r: RawRedisConfig): string {
  if (r.url) return r.url;
  const auth = r.password ? `:${encodeURIComponent(r.password)}@` : '';
  return `redis://${auth}${r.host}:${r.port}/${r.db}`;
}

function sentinelSettings(raw: RawRedisConfig): RedisConnectionSettings['sentinel'] {
  const items = raw.sentinels
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0) return null;
  const parsed = parseSentinelList(items);
  if ('bad' in parsed)
    throw new ConfigError(`REDIS_SENTINELS: "${parsed.bad}" is not host:port (e.g. redis-a:26379)`);
  if (!raw.sentinelMaster) throw new ConfigError('REDIS_SENTINEL_MASTER: must not be empty');
  return {
    sentinels: parsed.sentinels,
    masterName: raw.sentinelMaster,
    password: raw.sentinelPassword,
    tls: raw.sentinelTls,
  };
}

function withoutCeleryParams(url: string): { url: string; celery: URLSearchParams } {
  const celery = new URLSearchParams();
  const query = url.indexOf('?');
  if (query === -1) return { url, celery };
  const rest = new URLSearchParams(url.slice(query + 1));
  for (const name of CELERY_TLS_PARAMS) {
    const value = rest.get(name);
    if (value !== null) celery.set(name, value);
    rest.delete(name);
  }
  const kept = rest.toString();
  return { url: url.slice(0, query) + (kept ? `?${kept}` : ''), celery };
}

/** Python's ssl.CERT_NONE, as Celery accepts it: `CERT_NONE` or `none`. */
function certReqsIsNone(value: string | null): boolean {
  return value !== null && /^(cert_)?none$/i.test(value);
}

function assertReadable(variable: string, path: string): void {
  try {
    fs.accessSync(path, fs.constants.R_OK);
  } catch (err) {
    throw new ConfigError(
      `${variable}: cannot read ${path} (${(err as NodeJS.ErrnoException).code})`,
    );
  }
}
