import type { Logger } from '../logging';
import { RetryableError } from '../errors';

/**
 * What the engine gives every attempt. Handlers never see AMQP: they return, throw, or ask
 * for a retry, and the engine settles the outcome.
 */
export interface TaskRunContext {
  readonly taskId: string;
  readonly taskName: string;
  readonly queue: string;
  /** Retries before this attempt (0 on the first). */
  readonly retries: number;
  readonly maxRetries: number;
  /**
   * True when this delivery is a dead letter an operator replayed: a handler that remembers
   * permanent failures per task id (refused recipients, say) should try them again.
   */
  readonly replayed: boolean;
  /** Fires at the soft time limit and on worker shutdown past the grace period. */
  readonly signal: AbortSignal;
  /** Scoped to this task: every line carries its id and name. */
  readonly logger: Logger;
  /** Publishes a PROGRESS state (e.g. sent/failed/total) visible through the result API. */
  readonly reportProgress: (progress: Readonly<Record<string, unknown>>) => Promise<void>;
}

/** What a handler gets besides its kwargs: the attempt, and its task family's services. */
export interface TaskContext<S = unknown> extends TaskRunContext {
  /** Provider adapters and settings of the handler's task family, built once per worker. */
  readonly services: S;
}

/** Ask for a retry from a handler, optionally after a given delay: `throw retryTask('busy', 30)`. */
export function retryTask(message: string, afterSeconds?: number): RetryableError {
  return new RetryableError(
    message,
    'retry_requested',
    afterSeconds === undefined ? {} : { retryAfterSeconds: afterSeconds },
  );
}
