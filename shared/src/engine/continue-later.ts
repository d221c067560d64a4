export interface ContinueLaterOptions {
  /**
   * Seconds to wait before the task runs again; 1 or more goes through the delay levels, so no
   * worker holds it meanwhile. Rounded up to whole seconds. @default 0
   */
  readonly afterSeconds?: number;
  /** Stored as the task's PROGRESS result while it waits, e.g. `{ sent: 500, total: 2000 }`. */
  readonly progress?: Readonly<Record<string, unknown>>;
}

/**
 * Thrown by a handler that stops before it is done (at its soft time limit, or to pause) and
 * wants to resume later. Not a failure: the engine stores PROGRESS and re-queues the same task
 * (same id and kwargs, same `retries`, one more continuation), so the next run continues from
 * whatever state the handler keeps under `ctx.taskId`. A task may continue at most the worker's
 * `maxContinuations` times (20 by default); one more is dead-lettered as too_many_continuations.
 *
 * ```ts
 * if (ctx.signal.aborted) throw new ContinueLater(`paused after ${sent} of ${total}`, {
 *   afterSeconds: 1,
 *   progress: { sent, total },
 * });
 * ```
 */
export class ContinueLater extends Error {
  readonly afterSeconds: number;
  readonly progress: Readonly<Record<string, unknown>>;

  constructor(message: string, options: ContinueLaterOptions = {}) {
    super(message);
    this.name = 'ContinueLater';
    this.afterSeconds = options.afterSeconds ?? 0;
    this.progress = options.progress ?? {};
  }
}
