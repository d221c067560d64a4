import path from 'node:path';
import { ConfigError, list, type ConfigFragment } from '@burrow/shared';
import { buildHealthConfig, healthSchema, type HealthConfig } from './health-config';

/** The seed service's backend health endpoints, probed by default. */
export const SEED_HEALTH_PATHS = [
  '/health/redis',
  '/health/rabbitmq',
  '/health/postgres',
  '/health/search-index',
] as const;

/** daily_maintenance_task's steps, in their default order. */
export const MAINTENANCE_STEP_NAMES = [
  'database_backup',
  'temp_files',
  'old_logs',
  'dead_letters',
  'health_check',
] as const;
export type MaintenanceStepName = (typeof MAINTENANCE_STEP_NAMES)[number];

/**
 * Each step's time budget in seconds unless MAINTENANCE_STEP_TIMEOUTS says otherwise. They add
 * up to 1,260 s, inside the task's 1,380 s soft limit, so every step gets its turn even when
 * each one overruns.
 */
export const DEFAULT_STEP_BUDGETS: Readonly<Record<MaintenanceStepName, number>> = {
  database_backup: 600,
  temp_files: 240,
  old_logs: 240,
  dead_letters: 120,
  health_check: 60,
};

/** What the cleanup family reads. */
export interface CleanupConfig {
  /** BACKEND_HEALTH_PATHS: backend paths the health check probes. */
  readonly backendHealthPaths: readonly string[];
  /** CLEANUP_TEMP_DIRS: absolute roots cleanup_temp_files_task sweeps; empty = none. */
  readonly tempDirs: readonly string[];
  /** CLEANUP_LOG_DIRS: roots cleanup_old_logs_task sweeps, resolved against the cwd. */
  readonly logDirs: readonly string[];
  /** CLEANUP_REMOVE_EMPTY_DIRS: remove folders a temp sweep left empty (never a root). */
  readonly removeEmptyDirs: boolean;
  /** BACKEND_MAINTENANCE_PATH: where daily maintenance POSTs its backup trigger; '' = skip. */
  readonly maintenancePath: string;
  /** BACKEND_LOG_PRUNE_PATH: where cleanup_old_logs_task asks the backend to prune; '' = off. */
  readonly logPrunePath: string;
  /** MAINTENANCE_STEPS: the steps daily maintenance runs, in order. */
  readonly maintenanceSteps: readonly MaintenanceStepName[];
  /** DEFAULT_STEP_BUDGETS with MAINTENANCE_STEP_TIMEOUTS over them, in ms. */
  readonly stepBudgetsMs: Readonly<Record<MaintenanceStepName, number>>;
  /** DEAD_LETTER_MAX_AGE_DAYS: dead letters older are pruned by maintenance; 0 = kept forever. */
  readonly deadLetterMaxAgeDays: number;
  /** The health check's SMTP probe, provider presence and disk floors. */
  readonly health: HealthConfig;
}

export const cleanupConfig: ConfigFragment<CleanupConfig> = {
  schema: {
    healthPaths: {
      doc: "Comma-separated backend paths the health check task probes (the seed's four)",
      format: String,
      default: SEED_HEALTH_PATHS.join(','),
      env: 'BACKEND_HEALTH_PATHS',
    },
    tempDirs: {
      doc: 'Comma-separated absolute folders cleanup_temp_files_task sweeps; empty = nothing',
      format: String,
      default: '',
      env: 'CLEANUP_TEMP_DIRS',
    },
    logDirs: {
      doc: "Comma-separated folders of rotated logs cleanup_old_logs_task sweeps (relative = to the worker's cwd)",
      format: String,
      default: 'logs',
      env: 'CLEANUP_LOG_DIRS',
    },
    removeEmptyDirs: {
      doc: 'Remove folders a temp sweep left empty (never a configured root)',
      format: Boolean,
      default: true,
      env: 'CLEANUP_REMOVE_EMPTY_DIRS',
    },
    maintenancePath: {
      doc: 'Backend path daily_maintenance_task POSTs its database-backup trigger to; empty = skip the step',
      format: String,
      default: '/internal/maintenance/db-backup',
      env: 'BACKEND_MAINTENANCE_PATH',
    },
    logPrunePath: {
      doc: 'Backend path cleanup_old_logs_task POSTs {days_to_keep} to, so the backend prunes its own log records; empty = off',
      format: String,
      default: '',
      env: 'BACKEND_LOG_PRUNE_PATH',
    },
    maintenanceSteps: {
      doc: `Comma-separated steps daily_maintenance_task runs, in order (of ${MAINTENANCE_STEP_NAMES.join(', ')})`,
      format: String,
      default: MAINTENANCE_STEP_NAMES.join(','),
      env: 'MAINTENANCE_STEPS',
    },
    stepTimeouts: {
      doc: `Per-step time budgets in seconds as step=seconds pairs, over the defaults (${Object.entries(
        DEFAULT_STEP_BUDGETS,
      )
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}); a step past its budget is aborted and reported as timed out`,
      format: String,
      default: '',
      env: 'MAINTENANCE_STEP_TIMEOUTS',
    },
    deadLetterMaxAgeDays: {
      doc: 'Daily maintenance removes dead letters older than this many days from every <queue>.dead; 0 = keep them forever',
      format: 'nat',
      default: 30,
      env: 'DEAD_LETTER_MAX_AGE_DAYS',
    },
    health: healthSchema,
  },
  build: (values) => ({
    backendHealthPaths: list(String(values.healthPaths)),
    tempDirs: sweepRoots('CLEANUP_TEMP_DIRS', String(values.tempDirs), { absolute: true }),
    logDirs: sweepRoots('CLEANUP_LOG_DIRS', String(values.logDirs), { absolute: false }),
    removeEmptyDirs: Boolean(values.removeEmptyDirs),
    maintenancePath: String(values.maintenancePath),
    logPrunePath: String(values.logPrunePath),
    maintenanceSteps: maintenanceSteps(String(values.maintenanceSteps)),
    stepBudgetsMs: stepBudgets(String(values.stepTimeouts)),
    deadLetterMaxAgeDays: Number(values.deadLetterMaxAgeDays),
    health: buildHealthConfig(values.health as Record<string, unknown>),
  }),
};

function isStep(name: string): name is MaintenanceStepName {
  return (MAINTENANCE_STEP_NAMES as readonly string[]).includes(name);
}

function maintenanceSteps(value: string): MaintenanceStepName[] {
  const steps = list(value);
  for (const step of steps)
    if (!isStep(step))
      throw new ConfigError(
        `MAINTENANCE_STEPS: unknown step "${step}"; known: ${MAINTENANCE_STEP_NAMES.join(', ')}`,
      );
  if (new Set(steps).size !== steps.length)
    throw new ConfigError(`MAINTENANCE_STEPS: a step is named twice in "${value}"`);
  return steps as MaintenanceStepName[];
}

/** Parses `step=seconds,…` over DEFAULT_STEP_BUDGETS; returns milliseconds. */
function stepBudgets(value: string): Record<MaintenanceStepName, number> {
  const seconds: Record<MaintenanceStepName, number> = { ...DEFAULT_STEP_BUDGETS };
  for (const pair of list(value)) {
    const [name = '', amount = ''] = pair.split('=').map((s) => s.trim());
    if (!isStep(name))
      throw new ConfigError(
        `MAINTENANCE_STEP_TIMEOUTS: unknown step "${name}"; known: ${MAINTENANCE_STEP_NAMES.join(', ')}`,
      );
    if (!/^\d+(\.\d+)?$/.test(amount) || Number(amount) <= 0)
      throw new ConfigError(
        `MAINTENANCE_STEP_TIMEOUTS: "${pair}" needs a positive number of seconds`,
      );
    seconds[name] = Number(amount);
  }
  const ms = { ...seconds };
  for (const step of MAINTENANCE_STEP_NAMES) ms[step] = Math.round(seconds[step] * 1000);
  return ms;
}

/**
 * Checks the folders a sweep may delete in: no `..` segment (a root must say where it is),
 * never the filesystem root, absolute where `absolute` (temp folders must not depend on the
 * cwd). Relative roots are resolved against the cwd here, once, at start.
 */
export function sweepRoots(
  variable: string,
  value: string,
  options: { readonly absolute: boolean },
): string[] {
  return list(value).map((root) => {
    const refuse = (why: string) =>
      new ConfigError(`${variable}: refusing sweep root "${root}": ${why}`);
    if (root.split(/[\\/]+/).includes('..')) throw refuse('it contains ".."');
    if (options.absolute && !path.isAbsolute(root)) throw refuse('it must be an absolute path');
    const resolved = path.resolve(root);
    if (resolved === path.parse(resolved).root) throw refuse('it is the filesystem root');
    return resolved;
  });
}
