import type { KwargsOf, ResultOf, cleanupTempFilesTask } from '@burrow/contracts';
import type { TaskContext } from '@burrow/shared';
import type { CleanupServices } from './services';
import { runSweep } from './run-sweep';
import { olderThan } from './sweep';

type Result = ResultOf<typeof cleanupTempFilesTask>;

/**
 * tasks.cleanup_tasks.cleanup_temp_files_task: deletes regular files older than
 * `max_age_hours` (by mtime) below the CLEANUP_TEMP_DIRS roots, and the folders that left
 * empty. With no roots configured there is nothing to sweep, and that is a success.
 */
export async function cleanupTempFiles(
  kwargs: KwargsOf<typeof cleanupTempFilesTask>,
  ctx: TaskContext<CleanupServices>,
): Promise<Result> {
  const { settings } = ctx.services;
  const maxAgeHours = kwargs.max_age_hours ?? 24;
  return runSweep(ctx, {
    roots: settings.tempDirs,
    select: olderThan(ctx.services.now(), maxAgeHours * 3_600_000),
    dryRun: kwargs.dry_run ?? false,
    removeEmptyDirs: settings.removeEmptyDirs,
  });
}
