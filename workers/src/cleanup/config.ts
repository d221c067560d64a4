import path from 'node:path';
import { ConfigError, list, type ConfigFragment } from '@burrow/shared';

/** The seed service's backend health endpoints, probed by default. */
export const SEED_HEALTH_PATHS = [
  '/health/redis',
  '/health/rabbitmq',
  '/health/postgres',
  '/health/search-index',
] as const;

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
  },
  build: (values) => ({
    backendHealthPaths: list(String(values.healthPaths)),
    tempDirs: sweepRoots('CLEANUP_TEMP_DIRS', String(values.tempDirs), { absolute: true }),
    logDirs: sweepRoots('CLEANUP_LOG_DIRS', String(values.logDirs), { absolute: false }),
    removeEmptyDirs: Boolean(values.removeEmptyDirs),
    maintenancePath: String(values.maintenancePath),
  }),
};

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
