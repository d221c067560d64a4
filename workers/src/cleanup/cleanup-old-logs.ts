import type { KwargsOf, ResultOf, cleanupOldLogsTask } from '@burrow/contracts';
import type { TaskContext } from '@burrow/shared';
import { pruneBackendLogs } from './backend-log-prune';
import { oldLogFile } from './log-files';
import { runSweep } from './run-sweep';
import type { CleanupServices } from './services';

/**
 * tasks.cleanup_tasks.cleanup_old_logs_task: deletes rotated log files older than
 * `days_to_keep` days below the CLEANUP_LOG_DIRS roots. Today's file and the rotator's audit
 * json are never deleted; folders are left in place. Then, when BACKEND_LOG_PRUNE_PATH is
 * set, asks the backend to prune its own log records; its outcome is `backend_prune`, and a
 * backend failure is reported there without failing the task (the sweep's result stands).
 */
export async function cleanupOldLogs(
  kwargs: KwargsOf<typeof cleanupOldLogsTask>,
  ctx: TaskContext<CleanupServices>,
): Promise<ResultOf<typeof cleanupOldLogsTask>> {
  const daysToKeep = kwargs.days_to_keep ?? 30;
  const dryRun = kwargs.dry_run ?? false;
  const swept = await runSweep(ctx, {
    roots: ctx.services.settings.logDirs,
    select: oldLogFile(ctx.services.now(), daysToKeep),
    dryRun,
  });
  const backendPrune = await pruneBackendLogs(ctx, daysToKeep, dryRun);
  return backendPrune === null ? swept : { ...swept, backend_prune: backendPrune };
}
