import { BurrowError, classifyError } from '../errors';
import type { Logger } from '../logging';

/** How long one outcome may wait for Redis before its delivery is handed back. */
export const DEFAULT_REDIS_BUDGET_SECONDS = 60;

/** Redis did not take a call within the time one delivery may wait for it. */
export class RedisUnavailableError extends BurrowError {
  readonly code = 'redis_unavailable';
  readonly retryable = true;
}

export interface RedisRetryOptions {
  /** Epoch ms after which no further try is made. */
  readonly deadline: number;
  /**
   * Also give up on a call still unanswered at the deadline. A worker's Redis client queues
   * commands through an outage instead of failing them, so without this an outage waits.
   */
  readonly boundWaiting: boolean;
  /** Stop retrying at once when the worker is shutting down. */
  readonly isStopping: () => boolean;
  readonly logger: Logger;
  /** What the call does, for the log: "store the result", "begin the attempt". */
  readonly what: string;
}

/**
 * Runs a Redis call, retrying failures that may pass (connection trouble, READONLY during a
 * failover, anything classifyError calls retryable) with waits from 250 ms doubling to 5 s,
 * until the deadline; then throws RedisUnavailableError. A failure that cannot pass (a meta that
 * cannot be encoded) is thrown at once.
 */
export function retryRedis<T>(call: () => Promise<T>, options: RedisRetryOptions): Promise<T> {
  // The first try is the hot path of every task: no extra async frame around it.
  const first = options.boundWaiting ? beforeDeadline(call(), options) : call();
  return first.catch((err: unknown) => retryAfterFailure(err, call, options));
}

async function retryAfterFailure<T>(
  firstFailure: unknown,
  call: () => Promise<T>,
  options: RedisRetryOptions,
): Promise<T> {
  let failure = firstFailure;
  for (let wait = 250; ; wait = Math.min(wait * 2, 5_000)) {
    if (!classifyError(failure).retryable) throw failure;
    const left = options.deadline - Date.now();
    const message = (failure as Error)?.message ?? String(failure);
    if (left <= 0 || options.isStopping()) {
      throw new RedisUnavailableError(`could not ${options.what} in Redis: ${message}`, {
        cause: failure,
      });
    }
    options.logger.warn(`cannot ${options.what}; waiting for Redis`, {
      error: message,
      retryInMs: Math.min(wait, left),
    });
    await new Promise((resolve) => setTimeout(resolve, Math.min(wait, left)));
    try {
      return options.boundWaiting ? await beforeDeadline(call(), options) : await call();
    } catch (err) {
      failure = err;
    }
  }
}

/** The call's answer, or a RedisUnavailableError at the deadline (the call may still land). */
function beforeDeadline<T>(pending: Promise<T>, options: RedisRetryOptions): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new RedisUnavailableError(`Redis did not answer; gave up waiting to ${options.what}`),
        ),
      Math.max(0, options.deadline - Date.now()),
    );
    // Settling twice is a no-op, so a call that answers after the deadline changes nothing and
    // never becomes an unhandled rejection.
    pending.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        // Passed on as the call raised it: retryAfterFailure classifies it.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        reject(err);
      },
    );
  });
}
