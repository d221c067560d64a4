import { ConfigError, loadConfigFragment, type ConfigFragment } from '@burrow/shared';
import { TaskNames } from './task-names';

/** One caller allowed in: its key is known only by its SHA-256. */
export interface ApiKeyConfig {
  /** Shown in logs and metrics, never the key itself. */
  readonly name: string;
  /** Lower-case hex SHA-256 of the key. */
  readonly sha256: string;
  /** Catalogue names the key may submit; null = every task. */
  readonly tasks: readonly string[] | null;
  /** Requests per second across every API replica; 0 = unlimited. */
  readonly ratePerSecond: number;
  /** Requests that may arrive at once above the rate. */
  readonly burst: number;
}

/** The API process's own settings; brokers, Redis and logs come from the shared config. */
export interface ApiConfig {
  readonly port: number;
  readonly host: string;
  readonly bodyLimitBytes: number;
  readonly keys: readonly ApiKeyConfig[];
  readonly allowAnonymous: boolean;
  readonly idempotencyTtlSeconds: number;
  readonly maxWaitSeconds: number;
  /** The dashboard's settings. */
  readonly dashboard: DashboardConfig;
}

/** What the dashboard at `/` reads and how often it nudges the fleet. */
export interface DashboardConfig {
  /** RabbitMQ management API base URL with credentials; '' = derived from the broker URL. */
  readonly managementUrl: string;
  /** Task events kept in the history stream (approximately: `XADD … MAXLEN ~`). */
  readonly historyMaxLength: number;
  /** Seconds between `enable_events` broadcasts; 0 = never (workers send events on their own). */
  readonly enableEventsSeconds: number;
}

const schema = {
  port: {
    doc: 'Port of the HTTP API (Flower used 5555 in the seed)',
    format: 'port',
    default: 5555,
    env: 'API_PORT',
  },
  host: {
    doc: 'Address the HTTP API listens on',
    format: String,
    default: '0.0.0.0',
    env: 'API_HOST',
  },
  bodyLimitBytes: {
    doc: 'Largest request body accepted, in bytes; larger ones get 413',
    format: 'nat',
    default: 1_048_576,
    env: 'API_BODY_LIMIT',
  },
  keys: {
    doc: 'API keys as a JSON array of {name, sha256, tasks?, ratePerSecond?, burst?}; sha256 is the hex SHA-256 of the key, tasks lists names or aliases (absent or ["*"] = all)',
    format: String,
    default: '',
    env: 'API_KEYS',
    sensitive: true,
  },
  allowAnonymous: {
    doc: 'Accept requests without a key (all tasks, no rate limit); needed to start with no API_KEYS',
    format: Boolean,
    default: false,
    env: 'API_ALLOW_ANONYMOUS',
  },
  idempotencyTtlSeconds: {
    doc: 'How long an Idempotency-Key maps to the task it created',
    format: 'nat',
    default: 86_400,
    env: 'API_IDEMPOTENCY_TTL',
  },
  maxWaitSeconds: {
    doc: 'Longest ?wait= a result request may long-poll',
    format: 'nat',
    default: 60,
    env: 'API_MAX_WAIT',
  },
  managementUrl: {
    doc: 'RabbitMQ management API for the dashboard, e.g. http://user:pass@rabbit:15672; empty = each broker URL’s host (RABBITMQ_URLS, in order, the next when one is down) on port 15672 with its credentials (the vhost is always the broker URL’s)',
    format: String,
    default: '',
    env: 'RABBITMQ_MANAGEMENT_URL',
    sensitive: true,
  },
  historyMaxLength: {
    doc: 'Task events the dashboard keeps in its Redis stream (capped with XADD MAXLEN ~)',
    format: 'nat',
    default: 10_000,
    env: 'DASHBOARD_HISTORY_MAXLEN',
  },
  enableEventsSeconds: {
    doc: 'Seconds between enable_events broadcasts that turn workers’ task events on, as Flower does; 0 = never',
    format: 'nat',
    default: 5,
    env: 'DASHBOARD_ENABLE_EVENTS_INTERVAL',
  },
} as const;

interface RawApiConfig extends Omit<ApiConfig, 'keys' | 'dashboard'> {
  readonly keys: string;
  readonly managementUrl: string;
  readonly historyMaxLength: number;
  readonly enableEventsSeconds: number;
}

/** The convict fragment of the API's variables (also rendered into the README's config table). */
export const apiConfigFragment: ConfigFragment<ApiConfig> = {
  schema,
  build: (values) => {
    const raw = values as unknown as RawApiConfig;
    const keys = parseKeys(raw.keys, new TaskNames());
    if (keys.length === 0 && !raw.allowAnonymous)
      throw new ConfigError(
        'API_KEYS: no API keys configured; set API_KEYS, or API_ALLOW_ANONYMOUS=true to accept requests without a key',
      );
    if (raw.maxWaitSeconds < 1) throw new ConfigError('API_MAX_WAIT: must be at least 1 second');
    if (raw.idempotencyTtlSeconds < 1)
      throw new ConfigError('API_IDEMPOTENCY_TTL: must be at least 1 second');
    if (raw.historyMaxLength < 100)
      throw new ConfigError('DASHBOARD_HISTORY_MAXLEN: must be at least 100 events');
    if (raw.managementUrl !== '' && !/^https?:\/\//.test(raw.managementUrl))
      throw new ConfigError('RABBITMQ_MANAGEMENT_URL: must be an http:// or https:// URL');
    const { managementUrl, historyMaxLength, enableEventsSeconds, ...rest } = raw;
    return {
      ...rest,
      keys,
      dashboard: { managementUrl, historyMaxLength, enableEventsSeconds },
    };
  },
};

/** Validates the API's variables; a ConfigError names the variable. */
export function loadApiConfig(env: NodeJS.ProcessEnv): ApiConfig {
  return loadConfigFragment(apiConfigFragment, env);
}

/** Parses API_KEYS; every mistake is a ConfigError that says which entry and why. */
export function parseKeys(text: string, names: TaskNames): ApiKeyConfig[] {
  if (text.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`API_KEYS: not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new ConfigError('API_KEYS: must be a JSON array of keys');
  const seen = new Set<string>();
  return parsed.map((entry: unknown, i) => {
    const fail = (why: string): never => {
      throw new ConfigError(`API_KEYS[${i}]: ${why}`);
    };
    if (!entry || typeof entry !== 'object') return fail('must be an object');
    const e = entry as Record<string, unknown>;
    for (const field of Object.keys(e))
      if (!['name', 'sha256', 'tasks', 'ratePerSecond', 'burst'].includes(field))
        fail(`unknown field ${field}`);
    if (typeof e.name !== 'string' || e.name === '') fail('name must be a non-empty string');
    const name = e.name as string;
    if (seen.has(name)) fail(`name ${name} is used twice`);
    seen.add(name);
    if (typeof e.sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(e.sha256))
      fail('sha256 must be 64 hex digits (the SHA-256 of the key)');
    const rate = e.ratePerSecond ?? 0;
    if (typeof rate !== 'number' || !(rate >= 0)) fail('ratePerSecond must be a number >= 0');
    const burst = e.burst ?? Math.max(1, Math.ceil(rate as number));
    if (typeof burst !== 'number' || !Number.isInteger(burst) || burst < 1)
      fail('burst must be an integer >= 1');
    return {
      name,
      sha256: (e.sha256 as string).toLowerCase(),
      tasks: allowedTasks(e.tasks, names, fail),
      ratePerSecond: rate as number,
      burst: burst as number,
    };
  });
}

function allowedTasks(
  tasks: unknown,
  names: TaskNames,
  fail: (why: string) => never,
): string[] | null {
  if (tasks === undefined) return null;
  if (!Array.isArray(tasks) || tasks.some((t) => typeof t !== 'string'))
    return fail('tasks must be an array of task names or aliases');
  if ((tasks as string[]).includes('*')) return null;
  return (tasks as string[]).map(
    (t) => names.resolve(t)?.name ?? fail(`tasks: unknown task ${JSON.stringify(t)}`),
  );
}
