import type { Attempt, Outcome, TaskObserver, TrackedTask } from '../engine';
import type { EventDispatcher } from './event-dispatcher';

/** Python repr of a string, as Celery's argsrepr shows values. */
function pyRepr(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

function truncate(text: string, max = 1024): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

function header(task: TrackedTask, name: string): unknown {
  return task.message.properties.headers?.[name] ?? null;
}

/** argsrepr/kwargsrepr from the headers; a hand-written publisher's body as JSON otherwise. */
function argumentReprs(task: TrackedTask): { args: string; kwargs: string } {
  const headers = task.message.properties.headers ?? {};
  if (typeof headers.argsrepr === 'string' || typeof headers.kwargsrepr === 'string')
    return { args: String(headers.argsrepr ?? '()'), kwargs: String(headers.kwargsrepr ?? '{}') };
  try {
    const body: unknown = JSON.parse(task.message.content.toString('utf8'));
    if (Array.isArray(body))
      return {
        args: truncate(JSON.stringify(body[0] ?? [])),
        kwargs: truncate(JSON.stringify(body[1] ?? {})),
      };
    return { args: '[]', kwargs: truncate(JSON.stringify(body)) };
  } catch {
    return { args: '', kwargs: '' };
  }
}

/**
 * Turns the consumer's view of each delivery into Celery task events (`task-received` …
 * `task-rejected`), when enabled: by WORKER_SEND_TASK_EVENTS, or remotely by `enable_events`
 * (Flower sends it every few seconds). Disabled, each hook returns at its first line.
 */
export class TaskEvents implements TaskObserver {
  constructor(
    private readonly dispatcher: EventDispatcher,
    public enabled: boolean,
  ) {}

  received(task: TrackedTask): void {
    if (!this.enabled) return;
    const { args, kwargs } = argumentReprs(task);
    this.dispatcher.send('task-received', {
      uuid: task.id,
      name: task.name,
      args,
      kwargs,
      root_id: header(task, 'root_id') ?? task.id,
      parent_id: header(task, 'parent_id'),
      retries: header(task, 'retries') ?? 0,
      eta: header(task, 'eta'),
      expires: header(task, 'expires'),
      queue: task.queue,
      exchange: task.message.fields.exchange,
      routing_key: task.message.fields.routingKey,
    });
  }

  started(task: TrackedTask): void {
    if (!this.enabled) return;
    this.dispatcher.send('task-started', { uuid: task.id });
  }

  settled(task: TrackedTask | undefined, outcome: Outcome, attempt: Attempt): void {
    if (!this.enabled) return;
    const uuid = attempt.taskId ?? task?.id;
    if (!uuid) return;
    switch (outcome.kind) {
      case 'success': {
        const since = task?.startedAt ?? attempt.startedAt;
        let result: string;
        try {
          result = truncate(JSON.stringify(outcome.result) ?? 'None');
        } catch {
          result = '<unserializable>';
        }
        this.dispatcher.send('task-succeeded', {
          uuid,
          result,
          runtime: (Date.now() - since) / 1000,
        });
        return;
      }
      case 'retry':
      case 'dead': {
        const { error } = outcome;
        this.dispatcher.send(outcome.kind === 'retry' ? 'task-retried' : 'task-failed', {
          uuid,
          exception: `${error.type}(${pyRepr(error.message)})`,
          traceback: error.stack ?? `${error.type}: ${error.message}`,
        });
        return;
      }
      case 'revoked':
        this.dispatcher.send('task-revoked', {
          uuid,
          terminated: outcome.terminated === true,
          signum: outcome.terminated ? 15 : null,
          expired: outcome.reason.startsWith('expired'),
        });
        return;
      default:
        return;
    }
  }

  requeued(task: TrackedTask | undefined): void {
    if (!this.enabled || !task?.id) return;
    this.dispatcher.send('task-rejected', { uuid: task.id, requeue: true });
  }
}
