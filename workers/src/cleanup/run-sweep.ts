import type { ResultOf, cleanupTempFilesTask } from '@burrow/contracts';
import type { TaskContext } from '@burrow/shared';
import type { CleanupServices } from './services';
import { sweep, type SweepOptions } from './sweep';

type Result = ResultOf<typeof cleanupTempFilesTask>;

/** Runs a sweep for a task and shapes its report as the contract's result. */
export async function runSweep(
  ctx: TaskContext<CleanupServices>,
  options: SweepOptions,
): Promise<Result> {
  const dryRun = options.dryRun ?? false;
  if (options.roots.length === 0) ctx.logger.info('no sweep roots configured: nothing to do');
  const { filesInUse } = ctx.services;
  const report = await sweep({
    ...options,
    signal: ctx.signal,
    fs: ctx.services.fs,
    inUse: (paths) => filesInUse.held(paths),
  });
  ctx.logger.info(dryRun ? 'sweep dry run finished' : 'sweep finished', {
    roots: options.roots.join(','),
    deleted: report.deleted_files,
    freedBytes: report.freed_bytes,
    errors: report.error_count,
    skippedInUse: report.skipped_in_use,
  });
  return {
    deleted_files: report.deleted_files,
    freed_bytes: report.freed_bytes,
    errors: report.errors,
    dry_run: dryRun,
    ...(dryRun ? { would_delete: report.would_delete } : {}),
    skipped_in_use: report.skipped_in_use,
    ...(report.skipped_in_use > 0 ? { in_use: report.in_use } : {}),
  };
}
