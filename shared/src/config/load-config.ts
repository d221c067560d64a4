import convict from 'convict';
import { ConfigError } from '../errors';
import { configSchema } from './config-schema';

interface Leaf {
  readonly env: string;
}

/** The validated settings of one process, frozen. */
export interface BurrowConfig {
  readonly rabbitmq: { readonly url: string; readonly heartbeatSeconds: number };
  readonly redis: { readonly url: string; readonly keyPrefix: string };
  readonly backend: {
    readonly url: string;
    readonly apiKey: string;
    readonly timeoutSeconds: number;
    readonly notifyPath: string;
    readonly digestPath: string;
    readonly healthPaths: readonly string[];
  };
  readonly smtp: {
    readonly host: string;
    readonly port: number;
    readonly user: string;
    readonly password: string;
    readonly secure: boolean;
    readonly requireTls: boolean;
    readonly from: string;
    readonly poolSize: number;
    readonly timeoutSeconds: number;
    readonly ratePerSecond: number;
    readonly attachmentsDir: string;
    readonly messageIdDomain: string;
  };
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
    readonly maxMemoryMb: number;
  };
}

/**
 * Reads and validates configuration from an environment (process.env at the entry point). A
 * bad value throws a ConfigError naming the variable and what it expected.
 */
export function loadConfig(env: NodeJS.ProcessEnv): BurrowConfig {
  const store = convict(configSchema as unknown as convict.Schema<Record<string, unknown>>, {
    env,
    args: [],
  });
  try {
    store.validate({ allowed: 'strict' });
  } catch (err) {
    throw new ConfigError(explain((err as Error).message));
  }
  const raw = store.getProperties() as unknown as RawConfig;
  if (raw.worker.concurrency < 1) throw new ConfigError('WORKER_CONCURRENCY: must be at least 1');
  return deepFreeze({
    rabbitmq: { url: amqpUrl(raw.rabbitmq), heartbeatSeconds: raw.rabbitmq.heartbeatSeconds },
    redis: { url: redisUrl(raw.redis), keyPrefix: raw.redis.keyPrefix },
    backend: { ...raw.backend, healthPaths: list(raw.backend.healthPaths) },
    smtp: raw.smtp,
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
  };
  redis: {
    url: string;
    host: string;
    port: number;
    db: number;
    password: string;
    keyPrefix: string;
  };
  backend: Omit<BurrowConfig['backend'], 'healthPaths'> & { healthPaths: string };
  smtp: BurrowConfig['smtp'];
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

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Rewrites convict's "section.key: message" lines to name the environment variable instead. */
function explain(message: string): string {
  return message
    .split('\n')
    .map((line) => {
      const match = /^([\w.]+): (.*)$/.exec(line.trim());
      if (!match) return line;
      const [, path = '', rest = ''] = match;
      const [section, key] = path.split('.');
      const leaf =
        section && key
          ? (configSchema as unknown as Record<string, Record<string, Leaf>>)[section]?.[key]
          : undefined;
      return leaf ? `${leaf.env}: ${rest}` : line;
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
