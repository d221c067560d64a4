/** Celery task states as stored in the result backend. PENDING means "no key". */
export type TaskState =
  'PENDING' | 'STARTED' | 'RETRY' | 'SUCCESS' | 'FAILURE' | 'REVOKED' | 'PROGRESS';

/** A Python exception as Celery serializes it, so `AsyncResult.get()` can re-raise it. */
export interface CeleryException {
  readonly exc_type: string;
  readonly exc_message: readonly unknown[];
  readonly exc_module: string;
}

/** The JSON value under `celery-task-meta-<id>` (Celery's result_extended fields included). */
export interface ResultMeta {
  readonly status: TaskState;
  readonly result: unknown;
  readonly traceback: string | null;
  readonly children: readonly unknown[];
  readonly date_done: string | null;
  readonly task_id: string;
  readonly name?: string | null;
  readonly args?: readonly unknown[] | null;
  readonly kwargs?: Readonly<Record<string, unknown>> | null;
  readonly worker?: string | null;
  readonly retries?: number | null;
  readonly queue?: string | null;
}

export const TERMINAL_STATES: ReadonlySet<TaskState> = new Set(['SUCCESS', 'FAILURE', 'REVOKED']);

export interface ExceptionInfo {
  readonly type: string;
  readonly module: string;
  readonly message: string;
  readonly stack?: string | undefined;
}

export function celeryException(info: ExceptionInfo): CeleryException {
  return { exc_type: info.type, exc_message: [info.message], exc_module: info.module };
}

/** Celery writes UTC times with an explicit offset; Python's fromisoformat reads this form. */
export function celeryNow(now: Date = new Date()): string {
  return now.toISOString().replace('Z', '+00:00');
}

export interface ResultContext {
  readonly taskId: string;
  readonly name: string;
  readonly worker: string;
  readonly retries: number;
  readonly queue: string;
  readonly args?: readonly unknown[];
  readonly kwargs?: Readonly<Record<string, unknown>>;
}

function base(
  ctx: ResultContext,
  status: TaskState,
  result: unknown,
  traceback: string | null,
  now?: Date,
): ResultMeta {
  return {
    status,
    result,
    traceback,
    children: [],
    date_done: status === 'STARTED' || status === 'PROGRESS' ? null : celeryNow(now),
    task_id: ctx.taskId,
    name: ctx.name,
    args: ctx.args ?? null,
    kwargs: ctx.kwargs ?? null,
    worker: ctx.worker,
    retries: ctx.retries,
    queue: ctx.queue,
  };
}

export const successMeta = (ctx: ResultContext, result: unknown, now?: Date): ResultMeta =>
  base(ctx, 'SUCCESS', result ?? null, null, now);

export const failureMeta = (ctx: ResultContext, error: ExceptionInfo, now?: Date): ResultMeta =>
  base(
    ctx,
    'FAILURE',
    celeryException(error),
    error.stack ?? `${error.type}: ${error.message}`,
    now,
  );

export const retryMeta = (ctx: ResultContext, error: ExceptionInfo, now?: Date): ResultMeta =>
  base(ctx, 'RETRY', celeryException(error), error.stack ?? `${error.type}: ${error.message}`, now);

export const revokedMeta = (ctx: ResultContext, reason: string, now?: Date): ResultMeta =>
  base(
    ctx,
    'REVOKED',
    celeryException({ type: 'TaskRevokedError', module: 'celery.exceptions', message: reason }),
    null,
    now,
  );

export const startedMeta = (ctx: ResultContext, pid: number): ResultMeta =>
  base(ctx, 'STARTED', { pid, hostname: ctx.worker }, null);

export const progressMeta = (
  ctx: ResultContext,
  progress: Readonly<Record<string, unknown>>,
): ResultMeta => base(ctx, 'PROGRESS', progress, null);
