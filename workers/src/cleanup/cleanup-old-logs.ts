import type { KwargsOf, ResultOf, cleanupOldLogsTask } from '@burrow/contracts';
import type { TaskContext } from '@burrow/shared';
import { oldLogFile } from './log-files';
import { runSweep } from './run-sweep';
import type { CleanupServices } from './services';

/**
 * tasks.cleanup_tasks.cleanup_old_logs_task: deletes rotated log files older than
 * `days_to_keep` days below the CLEANUP_LOG_DIRS roots. Today's file and the rotator's audit
 * json are never deleted; folders are left in place.
 */
export function cleanupOldLogs(
  kwargs: KwargsOf<typeof cleanupOldLogsTask>,
  ctx: TaskContext<CleanupServices>,
): Promise<ResultOf<typeof cleanupOldLogsTask>> {
  return runSweep(ctx, {
    roots: ctx.services.settings.logDirs,
    select: oldLogFile(ctx.services.now(), kwargs.days_to_keep ?? 30),
    dryRun: kwargs.dry_run ?? false,
  });
}
