import { Cron } from 'croner';
import { ConfigError } from '@burrow/shared';

/** What to publish for fire times missed while no scheduler ran. */
export type CatchUp = 'latest' | 'none' | 'all';

/** One periodic task: when it fires (cron + time zone) and what it publishes. */
export interface ScheduleEntry {
  /** Unique, stable name: part of the Redis claim key and of the derived task id. */
  readonly name: string;
  /** 5 fields (minute resolution) or 6 fields (leading seconds). */
  readonly cron: string;
  /** IANA time zone the cron expression is read in. @default SCHEDULER_TIMEZONE */
  readonly timezone?: string;
  readonly task: string;
  readonly args?: readonly unknown[];
  readonly kwargs?: Readonly<Record<string, unknown>>;
  /** Needed for tasks outside the catalogue. @default the task's catalogue queue */
  readonly queue?: string;
  readonly options?: {
    /** Seconds after publishing when the task is revoked instead of run. @default half the period */
    readonly expiresSeconds?: number;
    readonly countdown?: number;
  };
  /** @default 'latest' */
  readonly catchUp?: CatchUp;
  /** Seconds back from start in which missed fire times are caught up. @default SCHEDULER_CATCHUP_WINDOW */
  readonly catchUpWindowSeconds?: number;
  /** false drops the entry (e.g. to switch off a default from an override file). @default true */
  readonly enabled?: boolean;
}

/** An entry with defaults applied and its cron expression compiled. */
export interface CompiledEntry extends ScheduleEntry {
  readonly timezone: string;
  readonly catchUp: CatchUp;
  readonly catchUpWindowSeconds: number;
  readonly cronJob: Cron;
}

export interface EntryDefaults {
  readonly timezone: string;
  readonly catchUpWindowSeconds: number;
}

const CATCH_UP = new Set(['latest', 'none', 'all']);

/** Validates one entry and compiles its cron; a ConfigError names the entry and the problem. */
export function compileEntry(entry: ScheduleEntry, defaults: EntryDefaults): CompiledEntry {
  const fail = (why: string): never => {
    throw new ConfigError(`schedule entry ${JSON.stringify(entry.name)}: ${why}`);
  };
  if (typeof entry.name !== 'string' || !/^[\w.-]+$/.test(entry.name))
    fail('name must be letters, digits, ".", "_" or "-"');
  if (typeof entry.task !== 'string' || entry.task === '') fail('task is required');
  if (typeof entry.cron !== 'string') fail('cron is required');
  const fields = entry.cron.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6)
    fail(`cron ${JSON.stringify(entry.cron)} must have 5 or 6 fields, has ${fields}`);
  const timezone = entry.timezone ?? defaults.timezone;
  if (!isTimeZone(timezone)) fail(`unknown time zone ${JSON.stringify(timezone)}`);
  const catchUp = entry.catchUp ?? 'latest';
  if (!CATCH_UP.has(catchUp)) fail(`catchUp must be latest, none or all, got ${String(catchUp)}`);
  const window = entry.catchUpWindowSeconds ?? defaults.catchUpWindowSeconds;
  if (!Number.isFinite(window) || window < 0) fail('catchUpWindowSeconds must be ≥ 0');
  if (entry.args !== undefined && entry.kwargs !== undefined) fail('give args or kwargs, not both');
  const expires = entry.options?.expiresSeconds;
  if (expires !== undefined && !(expires > 0)) fail('options.expiresSeconds must be > 0');
  let cronJob: Cron | undefined;
  try {
    cronJob = new Cron(entry.cron, { timezone, paused: true });
    if (!cronJob.nextRun(new Date())) fail(`cron ${JSON.stringify(entry.cron)} never fires`);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    fail(`invalid cron ${JSON.stringify(entry.cron)}: ${(err as Error).message}`);
  }
  return { ...entry, timezone, catchUp, catchUpWindowSeconds: window, cronJob: cronJob! };
}

/** Compiles a whole schedule; names must be unique. Disabled entries are dropped. */
export function compileSchedule(
  entries: readonly ScheduleEntry[],
  defaults: EntryDefaults,
): CompiledEntry[] {
  const seen = new Set<string>();
  const compiled: CompiledEntry[] = [];
  for (const entry of entries) {
    if (seen.has(entry.name))
      throw new ConfigError(`schedule entry ${JSON.stringify(entry.name)}: duplicate name`);
    seen.add(entry.name);
    if (entry.enabled === false) continue;
    compiled.push(compileEntry(entry, defaults));
  }
  return compiled;
}

export function isTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}
