import type { TaskMessage } from '@burrow/contracts';
import { pythonExceptionForCode, pythonExceptionOf } from '../python-exceptions';
import type { ExceptionInfo } from '../results';

/** Give up: FAILURE stored when the id is known, message moved to the dead-letter queue. */
export interface DeadOutcome {
  readonly kind: 'dead';
  readonly error: ExceptionInfo;
  readonly reason: string;
  readonly code: string;
}

/** Already completed (or refused) by an earlier delivery of this id: ack and do nothing else. */
export interface DuplicateOutcome {
  readonly kind: 'duplicate';
}

/**
 * Not decided now: hand the delivery back to the broker, which redelivers it. For trouble that
 * may pass (Redis not answering within the budget) and for bugs; never for a bad message.
 */
export interface RequeueOutcome {
  readonly kind: 'requeue';
  readonly reason: string;
}

/**
 * What should happen to one delivery that has been decided. Deciding is separate from doing:
 * `settle` is the one place that turns an outcome into stored results, republished copies and
 * dead letters, and into the ack decision the consumer carries out.
 */
export type Outcome =
  | { readonly kind: 'success'; readonly result: unknown }
  /** Run again later as retry number retries + 1. */
  | {
      readonly kind: 'retry';
      readonly error: ExceptionInfo;
      readonly delaySeconds: number;
      readonly code: string;
    }
  /**
   * The handler paused (ContinueLater): PROGRESS stored, the task re-queued with the same
   * retries and one more continuation, to resume where it left off.
   */
  | {
      readonly kind: 'continue';
      readonly reason: string;
      readonly delaySeconds: number;
      readonly progress: Readonly<Record<string, unknown>>;
    }
  /** A future eta: sent round the delay levels with the same retries. */
  | { readonly kind: 'defer'; readonly delaySeconds: number }
  | DeadOutcome
  /** Not run (expired, revoked), or stopped while running by a terminating revoke. */
  | { readonly kind: 'revoked'; readonly reason: string; readonly terminated?: boolean }
  | DuplicateOutcome;

/** A delivery that yielded no TaskMessage: undecodable, or refused before decoding. */
export interface UndecodedAttempt {
  readonly kind: 'undecoded';
  readonly queue: string;
  /** From the headers, when they carry one: a FAILURE result is stored under it. */
  readonly taskId: string | null;
  readonly taskName: string | null;
  readonly kwargs: null;
  readonly startedAt: number;
}

/** A decoded message plus what the engine learnt about it so far. */
export interface DecodedAttempt {
  readonly kind: 'decoded';
  readonly queue: string;
  readonly message: TaskMessage;
  readonly taskId: string;
  readonly taskName: string;
  /** Bound and defaulted when the contract accepted them; null before that step. */
  readonly kwargs: Readonly<Record<string, unknown>> | null;
  readonly maxRetries: number;
  readonly startedAt: number;
}

export type Attempt = UndecodedAttempt | DecodedAttempt;

/**
 * What the decider hands the settler. Only a decoded attempt can be retried, deferred or
 * continued: an undecoded one can only be dead-lettered (or skipped as a duplicate, or handed
 * back), so "retry without a message" cannot be written.
 */
export type Decided =
  | { readonly attempt: UndecodedAttempt; readonly outcome: DeadOutcome | DuplicateOutcome }
  | { readonly attempt: DecodedAttempt; readonly outcome: Outcome }
  | { readonly attempt: Attempt; readonly outcome: RequeueOutcome };

/**
 * An outcome that gives up, with the exception fields Celery stores for it: the Python class
 * comes from the code's entry in python-exceptions.ts; engine refusals without one are
 * `RuntimeError`.
 */
export function deadOutcome(reason: string, code: string): DeadOutcome {
  const exception = pythonExceptionForCode(code) ?? { type: 'RuntimeError', module: 'builtins' };
  return {
    kind: 'dead',
    reason,
    code,
    error: { type: exception.type, module: exception.module, message: reason },
  };
}

/** Maps a thrown value to the exception fields Celery stores. */
export function exceptionInfo(error: unknown): ExceptionInfo {
  const { type, module } = pythonExceptionOf(error);
  if (error instanceof Error) return { type, module, message: error.message, stack: error.stack };
  return { type, module, message: String(error) };
}
