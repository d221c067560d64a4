import type { KwargsOf, ResultOf, dailyMaintenanceTask } from '@burrow/contracts';
import { RetryableError, type TaskContext } from '@burrow/shared';
import { cleanupOldLogs } from './cleanup-old-logs';
import { cleanupTempFiles } from './cleanup-temp-files';
import type { MaintenanceStepName } from './config';
import { pruneDeadLetters } from './prune-dead-letters';
import type { CleanupServices } from './services';
import { systemHealthCheck } from './system-health-check';

type Result = ResultOf<typeof dailyMaintenanceTask>;
type Step = Result['steps'][string];

/** A step's answer: its detail, or SKIPPED (nothing to do) with an optional reason. */
const SKIPPED = Symbol('skipped');
type StepAnswer = unknown;
interface Skipped {
  readonly [SKIPPED]: true;
  readonly reason?: string;
}
const skipped = (reason?: string): Skipped => ({ [SKIPPED]: true, ...(reason ? { reason } : {}) });
const isSkipped = (answer: unknown): answer is Skipped =>
  typeof answer === 'object' && answer !== null && SKIPPED in answer;

/** One maintenance step. `ctx.signal` fires at its own time budget as well as the task's. */
interface StepDefinition {
  /** A required step's failure fails the task (and may retry it); others are only reported. */
  readonly required: boolean;
  run(ctx: TaskContext<CleanupServices>): Promise<StepAnswer>;
}

const STEPS: Readonly<Record<MaintenanceStepName, StepDefinition>> = {
  database_backup: {
    required: true,
    run: async (ctx) => {
      const path = ctx.services.settings.maintenancePath;
      if (path === '') return skipped('BACKEND_MAINTENANCE_PATH is empty');
      const { status } = await ctx.services.backend.call(
        'POST',
        path,
        { date: new Date(ctx.services.now()).toISOString().slice(0, 10) },
        { signal: ctx.signal, idempotencyKey: `${ctx.taskId}:database_backup` },
      );
      return { status_code: status };
    },
  },
  temp_files: { required: false, run: (ctx) => cleanupTempFiles({}, ctx) },
  old_logs: { required: false, run: (ctx) => cleanupOldLogs({}, ctx) },
  dead_letters: {
    required: false,
    run: async (ctx) => {
      const { deadLetterMaxAgeDays } = ctx.services.settings;
      if (deadLetterMaxAgeDays === 0) return skipped('DEAD_LETTER_MAX_AGE_DAYS is 0');
      if (!ctx.services.deadLetters) return skipped('no broker connection for dead letters');
      return pruneDeadLetters(ctx, ctx.services.deadLetters, deadLetterMaxAgeDays);
    },
  },
  health_check: {
    required: false,
    run: async (ctx) => {
      const { status, results } = await systemHealthCheck({}, ctx);
      return { status, results };
    },
  },
};

/**
 * tasks.cleanup_tasks.daily_maintenance_task: runs the MAINTENANCE_STEPS in order, each
 * isolated (one failing or overrunning does not stop the next) and within its own time budget
 * (MAINTENANCE_STEP_TIMEOUTS): past it the step's signal aborts, the step is reported
 * `timed_out` and the next one starts, whether or not the step heeded the signal. Only a
 * required step (the backend backup trigger) failing or timing out fails the task, with that
 * step's own error, so a retryable backend answer retries it; the summary is logged either way.
 */
export async function dailyMaintenance(
  _kwargs: KwargsOf<typeof dailyMaintenanceTask>,
  ctx: TaskContext<CleanupServices>,
): Promise<Result> {
  const started_at = new Date().toISOString();
  const steps: Record<string, Step> = {};
  let requiredFailure: Error | undefined;
  const { maintenanceSteps, stepBudgetsMs } = ctx.services.settings;
  for (const name of maintenanceSteps) {
    ctx.signal.throwIfAborted();
    const step = STEPS[name];
    const outcome = await runStep(ctx, step, stepBudgetsMs[name]);
    steps[name] = outcome.step;
    if (outcome.error && step.required) requiredFailure ??= outcome.error;
  }
  const summary = Object.entries(steps).map(([name, s]) => `${name}=${s.status}`);
  if (requiredFailure !== undefined) {
    ctx.logger.error('daily maintenance: a required step failed', { steps: summary.join(',') });
    throw requiredFailure;
  }
  ctx.logger.info('daily maintenance finished', { steps: summary.join(',') });
  return { started_at, finished_at: new Date().toISOString(), steps };
}

/**
 * Runs one step under `AbortSignal.any([task, budget])`. The budget is also raced: a step
 * stuck in a call that ignores its signal is left behind (its late outcome is dropped) so it
 * cannot hold up the steps after it. The task's own abort (soft time limit, shutdown) is
 * passed on, never reported as a step's failure.
 */
async function runStep(
  ctx: TaskContext<CleanupServices>,
  step: StepDefinition,
  budgetMs: number,
): Promise<{ step: Step; error?: Error }> {
  const started = performance.now();
  const duration = () => Math.round(performance.now() - started);
  const budget = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const overrun = new Promise<typeof budget>((resolve) => {
    timer = setTimeout(() => {
      budget.abort(new Error(`step time budget of ${budgetMs} ms exceeded`));
      resolve(budget);
    }, budgetMs);
  });
  const signal = AbortSignal.any([ctx.signal, budget.signal]);
  const running = step.run({ ...ctx, signal });
  running.catch(() => undefined); // a step left behind may still fail later
  try {
    const answer = await Promise.race([running, overrun]);
    if (answer === budget) return timedOut(budgetMs, duration());
    if (isSkipped(answer))
      return {
        step: {
          status: 'skipped',
          duration_ms: duration(),
          ...(answer.reason ? { detail: { reason: answer.reason } } : {}),
        },
      };
    return { step: { status: 'ok', duration_ms: duration(), detail: answer } };
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    if (budget.signal.aborted) return timedOut(budgetMs, duration());
    const error = err instanceof Error ? err : new Error(String(err));
    return { step: { status: 'failed', duration_ms: duration(), detail: error.message }, error };
  } finally {
    clearTimeout(timer);
  }
}

function timedOut(budgetMs: number, duration: number): { step: Step; error: Error } {
  const message = `timed out after its ${budgetMs / 1000} s budget`;
  return {
    step: { status: 'timed_out', duration_ms: duration, detail: message },
    error: new RetryableError(`maintenance step ${message}`, 'timeout', {
      excType: 'TimeoutError',
    }),
  };
}
