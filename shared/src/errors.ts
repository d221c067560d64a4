import { pythonExceptionForCode } from './python-exceptions';

/**
 * The closed set of errors burrow reasons about. Each carries a stable `code` and says whether
 * retrying can help; the engine classifies by these, never by message text.
 */
export abstract class BurrowError extends Error {
  abstract readonly code: string;
  abstract readonly retryable: boolean;
  /**
   * Python-side class stored in results, so `AsyncResult.get()` re-raises something sensible.
   * Set by a provider adapter that knows the provider's own exceptions; otherwise the code's
   * entry in python-exceptions.ts names it.
   */
  excType: string | undefined;
  excModule: string | undefined;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Retrying cannot help: bad input, a 4xx answer, an unknown task. Dead-lettered at once. */
export class PermanentError extends BurrowError {
  readonly retryable = false;
  constructor(
    message: string,
    readonly code: string = 'permanent',
    options?: { cause?: unknown; excType?: string; excModule?: string },
  ) {
    super(message, options);
    nameException(this, options);
  }
}

/** A transient failure: network, timeout, 5xx, 429, provider throttling. Retried with backoff. */
export class RetryableError extends BurrowError {
  readonly retryable = true;
  constructor(
    message: string,
    readonly code: string = 'retryable',
    options?: { cause?: unknown; retryAfterSeconds?: number; excType?: string; excModule?: string },
  ) {
    super(message, options);
    this.retryAfterSeconds = options?.retryAfterSeconds ?? null;
    nameException(this, options);
  }
  /** A provider's Retry-After, honoured instead of the computed backoff. */
  readonly retryAfterSeconds: number | null;
}

function nameException(
  error: BurrowError,
  options: { excType?: string; excModule?: string } | undefined,
): void {
  const named = options?.excType
    ? { type: options.excType, module: options.excModule ?? 'builtins' }
    : pythonExceptionForCode(error.code);
  error.excType = named?.type;
  error.excModule = named?.module;
}

/** A configuration value is missing or malformed; the process must not start. */
export class ConfigError extends BurrowError {
  readonly code = 'config';
  readonly retryable = false;
}

/** The broker could not take a publish within the bounded wait; the caller must handle it. */
export class BrokerUnavailableError extends BurrowError {
  readonly code = 'broker_unavailable';
  readonly retryable = true;
  override excType = 'OperationalError';
  override excModule = 'kombu.exceptions';
}

/** A handler ran past its hard time limit. */
export class TimeLimitExceededError extends RetryableError {
  constructor(seconds: number) {
    super(`task exceeded its hard time limit of ${seconds}s`, 'time_limit', {
      excType: 'TimeLimitExceeded',
      excModule: 'billiard.exceptions',
    });
  }
}

const RETRYABLE_SYSTEM_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

export interface Classification {
  readonly retryable: boolean;
  readonly code: string;
  readonly retryAfterSeconds: number | null;
}

/**
 * Decides retry vs permanent for anything a handler throws. Our own errors say it themselves
 * (provider adapters turn an SDK's errors into ours: smtp-errors.ts, backend-client.ts); Node
 * and undici network errors are retryable by their code; anything else is a bug in the
 * handler, which we treat as retryable (Celery's autoretry habit) so a deploy can fix it before
 * the retries run out.
 */
export function classifyError(error: unknown): Classification {
  if (error instanceof BurrowError) {
    const retryAfter = error instanceof RetryableError ? error.retryAfterSeconds : null;
    return { retryable: error.retryable, code: error.code, retryAfterSeconds: retryAfter };
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && RETRYABLE_SYSTEM_CODES.has(code)) {
    return { retryable: true, code, retryAfterSeconds: null };
  }
  return { retryable: true, code: 'unexpected', retryAfterSeconds: null };
}
