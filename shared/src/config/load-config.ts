import convict from 'convict';
import { ConfigError } from '../errors';
import { redisSettingsFromConfig, type RawRedisConfig } from '../redis/redis-config';
import type { RedisConnectionSettings } from '../redis/redis-settings';
import { configSchema } from './config-schema';

/** How task queues are declared: `quorum` for new installs, `classic` to adopt Celery's. */
export type QueueType = 'quorum' | 'classic';

interface Leaf {
  readonly env: string;
}

/** The validated settings of one process, frozen. */
export interface BurrowConfig {
  readonly rabbitmq: {
    /** The first of `urls`: the broker named in logs, `celery inspect conf` and the dashboard. */
    readonly url: string;
    /**
     * Every node to try, in turn, on each (re)connect (RABBITMQ_URLS, else the one URL). An
     * amqps:// URL carries the RABBITMQ_TLS_* files as RabbitMQ URI query parameters
     * (`cacertfile`, `certfile`, `keyfile`, `verify`), so any connection made from it uses them.
     */
    readonly urls: readonly string[];
    readonly heartbeatSeconds: number;
    /** How task queues are declared (QUEUE_TYPE). */
    readonly queueType: QueueType;
  };
  /**
   * Where Redis is (REDIS_URL or its parts, or REDIS_SENTINELS), with the REDIS_TLS_* files;
   * `connectRedis` takes it as it is.
   */
  readonly redis: RedisConnectionSettings & { readonly keyPrefix: string };
  readonly results: { readonly expiresSeconds: number };
  readonly log: {
    readonly level: string;
    readonly dir: string;
    readonly format: 'pretty' | 'json';
  };
  readonly publish: { readonly timeoutSeconds: number; readonly maxBuffered: number };
  readonly worker: {
    readonly name: string;
    readonly queues: readonly string[];
    readonly concurrency: number;
    readonly shutdownGraceSeconds: number;
    readonly taskModules: readonly string[];
    readonly httpPort: number;
    readonly trackStarted: boolean;
    readonly maxDeliveries: number;
    readonly maxRedeliveries: number;
    readonly maxContinuations: number;
    readonly redisBudgetSeconds: number;
    readonly maxMemoryMb: number;
    readonly sendTaskEvents: boolean;
    readonly eventHeartbeatSeconds: number;
    readonly revokeExpiresSeconds: number;
  };
}

/**
 * Reads and validates configuration from an environment (process.env at the entry point). A
 * bad value throws a ConfigError naming the variable and what it expected.
 */
export function loadConfig(env: NodeJS.ProcessEnv): BurrowConfig {
  const raw = readSchema(configSchema, env) as unknown as RawConfig;
  if (raw.worker.concurrency < 1) throw new ConfigError('WORKER_CONCURRENCY: must be at least 1');
  if (raw.worker.redisBudgetSeconds < 1)
    throw new ConfigError('WORKER_REDIS_BUDGET: must be at least 1 second');
  if (raw.worker.eventHeartbeatSeconds < 1)
    throw new ConfigError('WORKER_HEARTBEAT_INTERVAL: must be at least 1 second');
  if (raw.worker.revokeExpiresSeconds < 1)
    throw new ConfigError('WORKER_REVOKE_EXPIRES: must be at least 1 second');
  const rabbitUrls = amqpUrls(raw.rabbitmq);
  return deepFreeze({
    rabbitmq: {
      url: rabbitUrls[0] ?? '',
      urls: rabbitUrls,
      heartbeatSeconds: raw.rabbitmq.heartbeatSeconds,
      queueType: raw.rabbitmq.queueType,
    },
    redis: { ...redisSettingsFromConfig(raw.redis), keyPrefix: raw.redis.keyPrefix },
    results: raw.results,
    log: raw.log,
    publish: raw.publish,
    worker: {
      ...raw.worker,
      queues: list(raw.worker.queues),
      taskModules: list(raw.worker.taskModules),
    },
  });
}

interface RawConfig {
  rabbitmq: {
    url: string;
    urls: string;
    tlsCaFile: string;
    tlsCertFile: string;
    tlsKeyFile: string;
    tlsRejectUnauthorized: boolean;
    host: string;
    port: number;
    user: string;
    password: string;
    vhost: string;
    heartbeatSeconds: number;
    queueType: QueueType;
  };
  redis: RawRedisConfig & { keyPrefix: string };
  results: BurrowConfig['results'];
  log: BurrowConfig['log'];
  publish: BurrowConfig['publish'];
  worker: Omit<BurrowConfig['worker'], 'queues' | 'taskModules'> & {
    queues: string;
    taskModules: string;
  };
}

/** RABBITMQ_URLS, else RABBITMQ_URL, else the parts; amqps:// ones get the TLS settings. */
function amqpUrls(r: RawConfig['rabbitmq']): string[] {
  const variable = r.urls ? 'RABBITMQ_URLS' : 'RABBITMQ_URL';
  const urls = r.urls ? list(r.urls) : [amqpUrl(r)];
  if (urls.length === 0) throw new ConfigError('RABBITMQ_URLS: lists no URL');
  const protocols = urls.map((url) => {
    try {
      return new URL(url).protocol;
    } catch {
      throw new ConfigError(`${variable}: not a URL: ${redactUrl(url)}`);
    }
  });
  if (protocols.some((p) => p !== 'amqp:' && p !== 'amqps:'))
    throw new ConfigError(`${variable}: expected amqp:// or amqps:// URLs`);
  if (Boolean(r.tlsCertFile) !== Boolean(r.tlsKeyFile))
    throw new ConfigError(
      'RABBITMQ_TLS_CERT_FILE, RABBITMQ_TLS_KEY_FILE: a client certificate needs both',
    );
  const tlsParams: Record<string, string> = {
    ...(r.tlsCaFile ? { cacertfile: r.tlsCaFile } : {}),
    ...(r.tlsCertFile ? { certfile: r.tlsCertFile, keyfile: r.tlsKeyFile } : {}),
    ...(r.tlsRejectUnauthorized ? {} : { verify: 'verify_none' }),
  };
  if (Object.keys(tlsParams).length > 0 && !protocols.includes('amqps:'))
    throw new ConfigError(
      `RABBITMQ_TLS_CA_FILE/CERT_FILE/KEY_FILE/REJECT_UNAUTHORIZED: set, but no broker URL is amqps:// (${variable})`,
    );
  return urls.map((url, i) =>
    protocols[i] === 'amqps:' ? withQueryDefaults(url, tlsParams) : url,
  );
}

/** `url` with each of `params` added unless the URL already sets it (the URL wins). */
function withQueryDefaults(url: string, params: Record<string, string>): string {
  const parsed = new URL(url);
  const missing = Object.entries(params).filter(([key]) => !parsed.searchParams.has(key));
  if (missing.length === 0) return url;
  for (const [key, value] of missing) parsed.searchParams.set(key, value);
  return parsed.toString();
}

function amqpUrl(r: RawConfig['rabbitmq']): string {
  if (r.url) return r.url;
  const auth = `${encodeURIComponent(r.user)}:${encodeURIComponent(r.password)}`;
  return `amqp://${auth}@${r.host}:${r.port}/${encodeURIComponent(r.vhost)}`;
}

/**
 * Settings of one part (a task family, the backend client) in a convict schema of its own:
 * `build` turns the validated values into the part's typed settings, and may throw a
 * ConfigError for rules across variables.
 */
export interface ConfigFragment<T> {
  /** convict schema; every leaf has `env`, `doc`, `format` and `default`. */
  readonly schema: Readonly<Record<string, unknown>>;
  readonly build: (values: Record<string, unknown>) => T;
}

/** Builds a fragment's settings from `env`; a bad value throws a ConfigError naming its variable. */
export function loadConfigFragment<T>(fragment: ConfigFragment<T>, env: NodeJS.ProcessEnv): T {
  return deepFreeze(fragment.build(readSchema(fragment.schema, env)));
}

function readSchema(schema: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv) {
  const store = convict(schema as unknown as convict.Schema<Record<string, unknown>>, {
    env,
    args: [],
  });
  try {
    store.validate({ allowed: 'strict' });
  } catch (err) {
    throw new ConfigError(explain((err as Error).message, schema));
  }
  return store.getProperties();
}

/** Splits a comma-separated variable into its trimmed, non-empty items. */
export function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Rewrites convict's "section.key: message" lines to name the environment variable instead. */
function explain(message: string, schema: Readonly<Record<string, unknown>>): string {
  return message
    .split('\n')
    .map((line) => {
      const match = /^([\w.]+): (.*)$/.exec(line.trim());
      if (!match) return line;
      const [, path = '', rest = ''] = match;
      let node: unknown = schema;
      for (const key of path.split('.'))
        node = (node as Record<string, unknown> | undefined)?.[key];
      const env = (node as Partial<Leaf> | undefined)?.env;
      return typeof env === 'string' ? `${env}: ${rest}` : line;
    })
    .join('\n');
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** The URL with its password replaced, for logs and status output. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable url>';
  }
}
