import type { TaskMessage } from '@burrow/contracts';
import type { ExceptionInfo } from '../results';

/**
 * What should happen to one delivery. Deciding is separate from doing: `settle` is the one
 * place that turns an outcome into stored results, republished copies, dead letters and acks.
 */
export type Outcome =
  | { readonly kind: 'success'; readonly result: unknown }
  /** Run again later: a retry (retries + 1) or a future eta (same retries). */
  | {
      readonly kind: 'retry';
      readonly error: ExceptionInfo;
      readonly delaySeconds: number;
      readonly code: string;
    }
  | { readonly kind: 'defer'; readonly delaySeconds: number }
  /** Give up: FAILURE stored when the id is known, message moved to the dead-letter queue. */
  | {
      readonly kind: 'dead';
      readonly error: ExceptionInfo;
      readonly reason: string;
      readonly code: string;
    }
  | { readonly kind: 'revoked'; readonly reason: string }
  /** Already completed by an earlier delivery: ack and do nothing else. */
  | { readonly kind: 'duplicate' };

/** A decoded message plus what the engine learnt about it so far. */
export interface Attempt {
  readonly queue: string;
  /** Null when the message could not be decoded. */
  readonly message: TaskMessage | null;
  readonly taskId: string | null;
  readonly taskName: string | null;
  readonly kwargs: Readonly<Record<string, unknown>> | null;
  readonly maxRetries: number;
  readonly startedAt: number;
}

/** Maps a thrown value to the exception fields Celery stores. */
export function exceptionInfo(error: unknown): ExceptionInfo {
  if (error instanceof Error) {
    const tagged = error as Error & { excType?: string; excModule?: string };
    const type =
      tagged.excType && tagged.excType !== 'Exception' ? tagged.excType : pythonName(error.name);
    return {
      type,
      module: tagged.excModule ?? 'builtins',
      message: error.message,
      stack: error.stack,
    };
  }
  return { type: 'Exception', module: 'builtins', message: String(error) };
}

const PYTHON_BUILTINS: Record<string, string> = {
  Error: 'Exception',
  TypeError: 'TypeError',
  RangeError: 'ValueError',
  SyntaxError: 'ValueError',
  ReferenceError: 'NameError',
  AbortError: 'TimeoutError',
  TimeoutError: 'TimeoutError',
};

function pythonName(jsName: string): string {
  return PYTHON_BUILTINS[jsName] ?? (/^[A-Za-z_]\w*$/.test(jsName) ? jsName : 'Exception');
}
