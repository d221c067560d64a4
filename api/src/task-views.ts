import { TERMINAL_STATES, type ResultMeta, type TaskState } from '@burrow/shared';
import type { Submission } from './submissions';

/** Paths of a task's status and result, written with the seed's trailing slash. */
export function taskUrls(taskId: string): { status_url: string; result_url: string } {
  const id = encodeURIComponent(taskId);
  return { status_url: `/api/tasks/${id}/status/`, result_url: `/api/tasks/${id}/result/` };
}

/**
 * `GET /api/tasks/{id}/status`: Celery's `task_id` and `status` (what the seed's
 * `get_task_status` returned), with `state` as an alias, and beside them what burrow knows:
 * progress of a PROGRESS task, retries, worker, queue and times. Pure.
 */
export function statusView(
  taskId: string,
  meta: ResultMeta | null,
  submission: Submission | null,
): Record<string, unknown> {
  const status: TaskState = meta?.status ?? 'PENDING';
  return {
    task_id: taskId,
    status,
    state: status,
    ready: TERMINAL_STATES.has(status),
    name: meta?.name ?? submission?.name ?? null,
    queue: meta?.queue ?? submission?.queue ?? null,
    progress: status === 'PROGRESS' ? (meta?.result ?? null) : null,
    retries: meta?.retries ?? 0,
    worker: meta?.worker ?? null,
    submitted_at: submission?.submitted_at ?? null,
    eta: submission?.eta ?? null,
    expires: submission?.expires ?? null,
    date_done: meta?.date_done ?? null,
    ...taskUrls(taskId),
  };
}

/**
 * `GET /api/tasks/{id}/result`: `task_id`, `status` and `result` as Celery's AsyncResult has
 * them; a FAILURE or REVOKED adds `error` (the exception's type, message and module) and the
 * traceback, and keeps `result` null rather than the exception dict. Pure.
 */
export function resultView(taskId: string, meta: ResultMeta | null): Record<string, unknown> {
  const status: TaskState = meta?.status ?? 'PENDING';
  const base = {
    task_id: taskId,
    status,
    ready: TERMINAL_STATES.has(status),
    date_done: meta?.date_done ?? null,
  };
  if (status === 'SUCCESS') return { ...base, result: meta?.result ?? null };
  if (status === 'FAILURE' || status === 'REVOKED') {
    const exc = (meta?.result ?? {}) as {
      exc_type?: string;
      exc_message?: unknown[];
      exc_module?: string;
    };
    return {
      ...base,
      result: null,
      error: {
        type: exc.exc_type ?? 'Error',
        message: exc.exc_message?.map(String).join(' ') ?? '',
        module: exc.exc_module ?? null,
      },
      traceback: meta?.traceback ?? null,
    };
  }
  return {
    ...base,
    result: null,
    progress: status === 'PROGRESS' ? (meta?.result ?? null) : null,
    ...taskUrls(taskId),
  };
}
