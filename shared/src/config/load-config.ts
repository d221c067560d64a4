import convict from 'convict';
import { ConfigError } from '../errors';
import { configSchema } from './config-schema';

/** How task queues are declared: `quorum` for new installs, `classic` to adopt Celery's. */
export type QueueType = 'quorum' | 'classic';

interface Leaf {
  readonly env: string;
}

/** The validated settings of one process, frozen. */
export interface BurrowConfig {
  readonly rabbitmq: {
    readonly url: string;
    readonly heartbeatSeconds: number;
    /** How task queues are declared (QUEUE_TYPE). */
    readonly queueType: QueueType;
  };
  readonly redis: { readonly url: string; readonly keyPrefix: string };
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
  return deepFreeze({
    rabbitmq: {
      url: amqpUrl(raw.rabbitmq),
      heartbeatSeconds: raw.rabbitmq.heartbeatSeconds,
      queueType: raw.rabbitmq.queueType,
    },
    redis: { url: redisUrl(raw.redis), keyPrefix: raw.redis.keyPrefix },
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
    host: string;
    port: number;
    user: string;
    password: string;
    vhost: string;
    heartbeatSeconds: number;
    queueType: QueueType;
  };
  redis: {
    url: string;
    host: string;
    port: number;
    db: number;
    password: string;
    keyPrefix: string;
  };
  results: BurrowConfig['results'];
  log: BurrowConfig['log'];
  publish: BurrowConfig['publish'];
  worker: Omit<BurrowConfig['worker'], 'queues' | 'taskModules'> & {
    queues: string;
    taskModules: string;
  };
}

function amqpUrl(r: RawConfig['rabbitmq']): string {
  if (r.url) return r.url;
  const auth = `${encodeURIComponent(r.user)}:${encodeURIComponent(r.password)}`;
  return `amqp://${auth}@${r.host}:${r.port}/${encodeURIComponent(r.vhost)}`;
}

function redisUrl(r: RawConfig['redis']): string {
  if (r.url) return r.url;
  const auth = r.password ? `:${encodeURIComponent(r.password)}@` : '';
  return `redis://${auth}${r.host}:${r.port}/${r.db}`;
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
