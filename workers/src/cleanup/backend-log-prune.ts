import type { ResultOf, cleanupOldLogsTask } from '@burrow/contracts';
import { BurrowError, type TaskContext } from '@burrow/shared';
import type { CleanupServices } from './services';

export type BackendPrune = NonNullable<ResultOf<typeof cleanupOldLogsTask>['backend_prune']>;

/**
 * Asks the backend to prune its own log records older than `daysToKeep` days: POST
 * BACKEND_LOG_PRUNE_PATH `{days_to_keep}` with the API key and an Idempotency-Key of the
 * task id, so a redelivered task prunes once. Never throws (but for the task's own abort):
 * the file sweep has already happened, and its result must not be lost to a backend that is
 * down; the outcome is reported in the result, and the next night's run tries again.
 */
export async function pruneBackendLogs(
  ctx: TaskContext<CleanupServices>,
  daysToKeep: number,
  dryRun: boolean,
): Promise<BackendPrune | null> {
  const path = ctx.services.settings.logPrunePath;
  if (path === '') return null;
  if (dryRun) return { status: 'skipped', reason: 'dry run: the backend is not asked' };
  try {
    const { status, body } = await ctx.services.backend.call(
      'POST',
      path,
      { days_to_keep: daysToKeep },
      { signal: ctx.signal, idempotencyKey: `${ctx.taskId}:log_prune` },
    );
    return { status: 'ok', status_code: status, ...(body === null ? {} : { response: body }) };
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    const error = err instanceof Error ? err.message : String(err);
    const code = err instanceof BurrowError ? /^http_(\d+)$/.exec(err.code)?.[1] : undefined;
    ctx.logger.warn('the backend did not prune its log records', { path, error });
    return { status: 'failed', error, ...(code ? { status_code: Number(code) } : {}) };
  }
}
