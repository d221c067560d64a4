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
 * Runs a handler under time limits. At the soft limit the signal aborts (cooperative
 * handlers stop); at the hard limit the attempt fails whether or not the handler stopped.
 * `outer` aborts too, e.g. when the worker shuts down past its grace period, and `terminate`
 * when a revoke terminates the task.
 */
export async function runWithTimeLimits<T>(
  run: (signal: AbortSignal) => Promise<T>,
  limits: TimeLimits,
  outer?: AbortSignal,
  terminate?: AbortSignal,
): Promise<T> {
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(outer?.reason);
  const onTerminate = () => controller.abort(terminate?.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  terminate?.addEventListener('abort', onTerminate, { once: true });
  const soft = setTimeout(
    () => controller.abort(new SoftTimeLimitExceeded(limits.softSeconds)),
    limits.softSeconds * 1000,
  );
  let hard: NodeJS.Timeout | undefined;
  const hardLimit = new Promise<never>((_resolve, reject) => {
    hard = setTimeout(
      () => reject(new TimeLimitExceededError(limits.hardSeconds)),
      limits.hardSeconds * 1000,
    );
  });
  try {
    return await Promise.race([run(controller.signal), hardLimit]);
  } finally {
    clearTimeout(soft);
    clearTimeout(hard);
    outer?.removeEventListener('abort', onOuterAbort);
    terminate?.removeEventListener('abort', onTerminate);
  }
}
