import { RetryableError, TimeLimitExceededError } from '../errors';

export interface TimeLimits {
  readonly softSeconds: number;
  readonly hardSeconds: number;
}

/** The error a handler's signal carries at the soft limit; Celery's name for it. */
export class SoftTimeLimitExceeded extends RetryableError {
  constructor(seconds: number) {
    super(`task exceeded its soft time limit of ${seconds}s`, 'soft_time_limit', {
      excType: 'SoftTimeLimitExceeded',
      excModule: 'celery.exceptions',
    });
  }
}

/**
 * How one running attempt is stopped from outside: its soft limit and the end of shutdown's
 * grace abort the handler's signal (a cooperative handler stops), a terminating revoke also
 * fails the attempt at once. The AbortSignal is made only when the handler reads it, and
 * nothing listens on shared signals per task: an AbortController and three listeners per task
 * were a measurable share of what a short task cost the worker.
 */
export class AttemptAbort {
  private controller: AbortController | undefined;
  private reason: { readonly value: unknown } | undefined;
  private failNow: ((reason: Error) => void) | undefined;
  /** Set once `terminate` was called. */
  terminated = false;

  /** The handler's signal. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.reason) this.controller.abort(this.reason.value);
    }
    return this.controller.signal;
  }

  get aborted(): boolean {
    return this.reason !== undefined;
  }

  /** Aborts the handler's signal; the attempt goes on until the handler stops or its hard limit. */
  abort(reason: unknown): void {
    if (this.reason) return;
    this.reason = { value: reason };
    this.controller?.abort(reason);
  }

  /** Aborts the signal and fails the attempt with `reason` now, whatever the handler does. */
  terminate(reason: Error): void {
    this.terminated = true;
    // Fail first: a handler that returns as soon as its signal aborts must not win the race.
    this.failNow?.(reason);
    this.abort(reason);
  }

  /** Rejects with a terminate's reason or `hardLimit`'s error, whichever comes first. */
  stopped(hardLimit: TimeLimits['hardSeconds']): { promise: Promise<never>; clear: () => void } {
    let timer: NodeJS.Timeout | undefined;
    const promise = new Promise<never>((_resolve, reject) => {
      this.failNow = reject;
      timer = setTimeout(() => reject(new TimeLimitExceededError(hardLimit)), hardLimit * 1000);
    });
    if (this.terminated) this.failNow!(this.reason!.value as Error);
    return {
      promise,
      clear: () => {
        clearTimeout(timer);
        this.failNow = undefined;
      },
    };
  }
}

/**
 * Runs a handler under time limits. At the soft limit the signal aborts (cooperative handlers
 * stop); at the hard limit the attempt fails whether or not the handler stopped. Whoever holds
 * `abort` can abort the signal (shutdown past its grace) or terminate the attempt (a revoke).
 * `run` reads `abort.signal` only if its handler does.
 */
export async function runWithTimeLimits<T>(
  run: (abort: AttemptAbort) => Promise<T>,
  limits: TimeLimits,
  abort: AttemptAbort = new AttemptAbort(),
): Promise<T> {
  const soft = setTimeout(
    () => abort.abort(new SoftTimeLimitExceeded(limits.softSeconds)),
    limits.softSeconds * 1000,
  );
  const stopped = abort.stopped(limits.hardSeconds);
  try {
    return await Promise.race([run(abort), stopped.promise]);
  } finally {
    clearTimeout(soft);
    stopped.clear();
  }
}
