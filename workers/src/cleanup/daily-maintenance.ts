import type { KwargsOf, ResultOf, dailyMaintenanceTask } from '@burrow/contracts';
import type { TaskContext } from '@burrow/shared';
import { cleanupOldLogs } from './cleanup-old-logs';
import { cleanupTempFiles } from './cleanup-temp-files';
import type { CleanupServices } from './services';
import { systemHealthCheck } from './system-health-check';

type Result = ResultOf<typeof dailyMaintenanceTask>;
type Step = Result['steps'][string];

/** One maintenance step: its detail, or `null` when it has nothing to do (skipped). */
interface StepDefinition {
  readonly name: string;
  /** A required step's failure fails the task (and may retry it); others are only reported. */
  readonly required: boolean;
  run(ctx: TaskContext<CleanupServices>): Promise<unknown>;
}

const STEPS: readonly StepDefinition[] = [
  {
    name: 'database_backup',
    required: true,
    run: async (ctx) => {
      const path = ctx.services.settings.maintenancePath;
      if (path === '') return null;
      const { status } = await ctx.services.backend.call(
        'POST',
        path,
        { date: new Date(ctx.services.now()).toISOString().slice(0, 10) },
        { signal: ctx.signal, idempotencyKey: `${ctx.taskId}:database_backup` },
      );
      return { status_code: status };
    },
  },
  { name: 'temp_files', required: false, run: (ctx) => cleanupTempFiles({}, ctx) },
  { name: 'old_logs', required: false, run: (ctx) => cleanupOldLogs({}, ctx) },
  {
    name: 'health_check',
    required: false,
    run: async (ctx) => {
      const { status, results } = await systemHealthCheck({}, ctx);
      return { status, results };
    },
  },
];

/**
 * tasks.cleanup_tasks.daily_maintenance_task: runs each step in order, each isolated (one
 * failing does not stop the next), and reports each one's outcome. Only a failed required step
 * (the backend backup trigger) fails the task, with that step's own error, so a retryable
 * backend answer retries it; the summary is logged either way.
 */
export async function dailyMaintenance(
  _kwargs: KwargsOf<typeof dailyMaintenanceTask>,
  ctx: TaskContext<CleanupServices>,
): Promise<Result> {
  const started_at = new Date().toISOString();
  const steps: Record<string, Step> = {};
  let requiredFailure: Error | undefined;
  for (const step of STEPS) {
    ctx.signal.throwIfAborted();
    const started = performance.now();
    const duration = () => Math.round(performance.now() - started);
    try {
      const detail = await step.run(ctx);
      steps[step.name] =
        detail === null
          ? { status: 'skipped', duration_ms: duration() }
          : { status: 'ok', duration_ms: duration(), detail };
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      steps[step.name] = { status: 'failed', duration_ms: duration(), detail: reason(err) };
      if (step.required) requiredFailure ??= err instanceof Error ? err : new Error(String(err));
    }
  }
  const summary = Object.entries(steps).map(([name, s]) => `${name}=${s.status}`);
  if (requiredFailure !== undefined) {
    ctx.logger.error('daily maintenance: a required step failed', { steps: summary.join(',') });
    throw requiredFailure;
  }
  ctx.logger.info('daily maintenance finished', { steps: summary.join(',') });
  return { started_at, finished_at: new Date().toISOString(), steps };
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
