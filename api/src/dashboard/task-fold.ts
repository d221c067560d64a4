/** One task event as the history stream keeps it. */
export interface StoredTaskEvent {
  readonly uuid: string;
  /** Celery's event type: `task-received`, `task-succeeded`, … */
  readonly type: string;
  /** When the worker sent it, in ms. */
  readonly at: number;
  readonly hostname: string | null;
  /** The event's other fields (name, args, result, exception, runtime …). */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** What the history knows of one task, folded from its events. */
export interface TaskSummary {
  readonly id: string;
  name: string | null;
  state: string;
  worker: string | null;
  args: string | null;
  kwargs: string | null;
  result: string | null;
  exception: string | null;
  traceback: string | null;
  retries: number;
  receivedAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  /** Seconds the worker reports it ran. */
  runtime: number | null;
  /** Time of the newest event. */
  updatedAt: number;
}

/** The state each event leaves a task in, with Flower's RECEIVED and REJECTED. */
const STATE_OF: Readonly<Record<string, string>> = {
  'task-sent': 'PENDING',
  'task-received': 'RECEIVED',
  'task-started': 'STARTED',
  'task-succeeded': 'SUCCESS',
  'task-failed': 'FAILURE',
  'task-retried': 'RETRY',
  'task-revoked': 'REVOKED',
  'task-rejected': 'REJECTED',
};

export const TASK_STATES: readonly string[] = [...new Set(Object.values(STATE_OF))];

const text = (value: unknown): string | null =>
  value === undefined || value === null ? null : String(value);

/**
 * Folds events, in any order, into one summary per task, newest first. The state is the newest
 * event's; a retry counts once per `task-retried`, and a replayed task starts its times again
 * at its newest `task-received`. Pure.
 */
export function foldTaskEvents(events: readonly StoredTaskEvent[]): TaskSummary[] {
  const sorted = [...events].sort((a, b) => a.at - b.at);
  const tasks = new Map<string, TaskSummary>();
  for (const event of sorted) {
    let task = tasks.get(event.uuid);
    if (!task) {
      task = {
        id: event.uuid,
        name: null,
        state: 'PENDING',
        worker: null,
        args: null,
        kwargs: null,
        result: null,
        exception: null,
        traceback: null,
        retries: 0,
        receivedAt: null,
        startedAt: null,
        finishedAt: null,
        runtime: null,
        updatedAt: event.at,
      };
      tasks.set(event.uuid, task);
    }
    apply(task, event);
  }
  return [...tasks.values()].sort((a, b) => b.updatedAt - a.updatedAt);
}

function apply(task: TaskSummary, event: StoredTaskEvent): void {
  const f = event.fields;
  task.state = STATE_OF[event.type] ?? task.state;
  task.updatedAt = event.at;
  if (event.hostname) task.worker = event.hostname;
  switch (event.type) {
    case 'task-received':
      task.name = text(f.name) ?? task.name;
      task.args = text(f.args);
      task.kwargs = text(f.kwargs);
      task.receivedAt = event.at;
      task.startedAt = null;
      task.finishedAt = null;
      task.runtime = null;
      return;
    case 'task-started':
      task.startedAt = event.at;
      return;
    case 'task-succeeded':
      task.result = text(f.result);
      task.exception = null;
      task.traceback = null;
      task.finishedAt = event.at;
      task.runtime = typeof f.runtime === 'number' ? f.runtime : null;
      return;
    case 'task-retried':
      task.retries += 1;
      task.exception = text(f.exception);
      task.traceback = text(f.traceback);
      return;
    case 'task-failed':
      task.exception = text(f.exception);
      task.traceback = text(f.traceback);
      task.finishedAt = event.at;
      return;
    case 'task-revoked':
      task.finishedAt = event.at;
      return;
    default:
      return;
  }
}

/** What the history can be searched by; every field is optional. */
export interface TaskQuery {
  /** Part of the task id. */
  readonly id?: string;
  /** Part of the task name, any case. */
  readonly name?: string;
  /** Exact state (`SUCCESS`, `FAILURE`, …). */
  readonly state?: string;
}

/** The summaries that match every given field of the query. Pure. */
export function matchTasks(tasks: readonly TaskSummary[], query: TaskQuery): TaskSummary[] {
  const id = query.id?.trim().toLowerCase();
  const name = query.name?.trim().toLowerCase();
  const state = query.state?.trim().toUpperCase();
  return tasks.filter(
    (t) =>
      (!id || t.id.toLowerCase().includes(id)) &&
      (!name || (t.name ?? '').toLowerCase().includes(name)) &&
      (!state || t.state === state),
  );
}
