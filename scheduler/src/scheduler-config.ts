import convict from 'convict';
import { ConfigError } from '@burrow/shared';
import { isTimeZone } from './schedule-entry';

/** Settings only the scheduler reads; the shared ones (broker, Redis, logs) come from loadConfig. */
export const schedulerConfigSchema = {
  scheduleFile: {
    doc: 'JSON or YAML file overriding/adding schedule entries; empty = the built-in schedule',
    format: String,
    default: '',
    env: 'SCHEDULE_FILE',
  },
  timezone: {
    doc: 'IANA time zone of entries that name none',
    format: String,
    default: 'UTC',
    env: 'SCHEDULER_TIMEZONE',
  },
  catchUpWindowSeconds: {
    doc: 'On start, fire times missed this far back are published once (per entry rule)',
    format: 'nat',
    default: 3600,
    env: 'SCHEDULER_CATCHUP_WINDOW',
  },
  claimTtlSeconds: {
    doc: 'How long a fire-time claim stays in Redis (must exceed the catch-up window)',
    format: 'nat',
    default: 86_400,
    env: 'SCHEDULER_CLAIM_TTL',
  },
  claimLeaseSeconds: {
    doc: 'How long a claim holds a fire time until the broker confirms its publish; a scheduler that dies in between loses the slot to another replica after this long',
    format: 'nat',
    default: 30,
    env: 'SCHEDULER_CLAIM_LEASE',
  },
  httpPort: {
    doc: 'Port for /metrics, /healthz, /readyz; 0 = off',
    format: 'port',
    default: 0,
    env: 'SCHEDULER_HTTP_PORT',
  },
} as const;

export interface SchedulerConfig {
  readonly scheduleFile: string;
  readonly timezone: string;
  readonly catchUpWindowSeconds: number;
  readonly claimTtlSeconds: number;
  readonly claimLeaseSeconds: number;
  readonly httpPort: number;
}

/** Validates the scheduler's own variables; a ConfigError names the variable. */
export function loadSchedulerConfig(env: NodeJS.ProcessEnv): SchedulerConfig {
  const store = convict(schedulerConfigSchema as unknown as convict.Schema<SchedulerConfig>, {
    env,
    args: [],
  });
  try {
    store.validate({ allowed: 'strict' });
  } catch (err) {
    throw new ConfigError(explain((err as Error).message));
  }
  const config = store.getProperties();
  if (!isTimeZone(config.timezone))
    throw new ConfigError(
      `SCHEDULER_TIMEZONE: unknown time zone ${JSON.stringify(config.timezone)}`,
    );
  if (config.claimTtlSeconds <= config.catchUpWindowSeconds)
    throw new ConfigError('SCHEDULER_CLAIM_TTL: must be longer than SCHEDULER_CATCHUP_WINDOW');
  if (config.claimLeaseSeconds < 1 || config.claimLeaseSeconds >= config.claimTtlSeconds)
    throw new ConfigError(
      'SCHEDULER_CLAIM_LEASE: must be at least 1 and below SCHEDULER_CLAIM_TTL',
    );
  return Object.freeze({ ...config });
}

function explain(message: string): string {
  return message
    .split('\n')
    .map((line) => {
      const match = /^(\w+): (.*)$/.exec(line.trim());
      const leaf = match?.[1]
        ? (schedulerConfigSchema as Record<string, { env: string }>)[match[1]]
        : undefined;
      return leaf && match ? `${leaf.env}: ${match[2]}` : line;
    })
    .join('\n');
}
