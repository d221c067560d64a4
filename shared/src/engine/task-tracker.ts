import type { ConsumeMessage } from 'amqplib';
import type { AttemptAbort } from './run-handler';

/** One delivery this worker holds, as remote control (`inspect active|reserved`) shows it. */
export interface TrackedTask {
  readonly id: string;
  readonly name: string;
  readonly queue: string;
  readonly message: ConsumeMessage;
  /** epoch ms */
  readonly receivedAt: number;
  /** epoch ms once the handler runs; null while it waits for a slot. */
  startedAt: number | null;
  /** Stops the running attempt (`revoke --terminate`). */
  abort: AttemptAbort | null;
}

/**
 * What the worker holds right now and what it has done: the prefetched deliveries waiting for a
 * slot, the running ones (with a handle to terminate them), and counts by task name. One map
 * insert and delete per delivery, so it costs nothing measurable on the task path.
 */
export class TaskTracker {
  private readonly held = new Map<ConsumeMessage, TrackedTask>();
  private readonly runningById = new Map<string, TrackedTask>();
  /** Deliveries settled, by task name (Celery's `stats.total`). */
  readonly totals = new Map<string, number>();
  /** Deliveries settled since start (heartbeat `processed`). */
  processed = 0;

  received(queue: string, message: ConsumeMessage): TrackedTask {
    const headers = message.properties.headers ?? {};
    const id = text(headers.id) ?? text(message.properties.correlationId) ?? '';
    const entry: TrackedTask = {
      id,
      name: text(headers.task) ?? '',
      queue,
      message,
      receivedAt: Date.now(),
      startedAt: null,
      abort: null,
    };
    this.held.set(message, entry);
    return entry;
  }

  get(message: ConsumeMessage): TrackedTask | undefined {
    return this.held.get(message);
  }

  /** The handler is about to run; `abort` is what a terminating revoke stops it with. */
  started(message: ConsumeMessage, abort: AttemptAbort): void {
    const entry = this.held.get(message);
    if (!entry) return;
    entry.startedAt = Date.now();
    entry.abort = abort;
    this.runningById.set(entry.id, entry);
  }

  finished(message: ConsumeMessage, counted: boolean): void {
    const entry = this.held.get(message);
    this.held.delete(message);
    if (!entry) return;
    if (this.runningById.get(entry.id) === entry) this.runningById.delete(entry.id);
    if (!counted) return;
    this.processed++;
    this.totals.set(entry.name, (this.totals.get(entry.name) ?? 0) + 1);
  }

  /** Aborts the running attempt of `id`; false when it is not running here. */
  terminate(id: string, reason: string): boolean {
    const entry = this.runningById.get(id);
    if (!entry?.abort) return false;
    entry.abort.terminate(new TaskTerminated(reason));
    return true;
  }

  active(): TrackedTask[] {
    return [...this.held.values()].filter((t) => t.startedAt !== null);
  }

  reserved(): TrackedTask[] {
    return [...this.held.values()].filter((t) => t.startedAt === null);
  }
}

/** The reason a terminated attempt's signal carries. */
export class TaskTerminated extends Error {
  readonly code = 'terminated';
  constructor(reason: string) {
    super(reason);
    this.name = 'TaskTerminated';
  }
}

function text(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}
