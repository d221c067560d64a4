/**
 * The closed set of errors burrow reasons about. Each carries a stable `code` and says whether
 * retrying can help; the engine classifies by these, never by message text.
 */
export abstract class BurrowError extends Error {
  abstract readonly code: string;
  abstract readonly retryable: boolean;
  /** Python-side class name stored in results, so `AsyncResult.get()` re-raises something sensible. */
  excType = 'Exception';
  excModule = 'builtins';

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
    if (options?.excType) this.excType = options.excType;
    if (options?.excModule) this.excModule = options.excModule;
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
    if (options?.excType) this.excType = options.excType;
    if (options?.excModule) this.excModule = options.excModule;
  }
  /** A provider's Retry-After, honoured instead of the computed backoff. */
  readonly retryAfterSeconds: number | null;
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
 * Decides retry vs permanent for anything a handler throws. Our own errors say it themselves;
 * Node and undici network errors are retryable by their code; anything else is a bug in the
 * handler, which we treat as retryable (Celery's autoretry habit) so a deploy can fix it before
 * the retries run out.
 */
export function classifyError(error: unknown): Classification {
  if (error instanceof BurrowError) {
    const retryAfter = error instanceof RetryableError ? error.retryAfterSeconds : null;
    return { retryable: error.retryable, code: error.code, retryAfterSeconds: retryAfter };
  }
  const fields = (error ?? {}) as { code?: unknown; responseCode?: unknown; statusCode?: unknown };
  const code = fields.code;
  if (typeof code === 'string' && RETRYABLE_SYSTEM_CODES.has(code)) {
    return { retryable: true, code, retryAfterSeconds: null };
  }
  // SMTP replies (nodemailer's responseCode): 4xx is "try again later", 5xx is final.
  if (typeof fields.responseCode === 'number') {
    const smtp = fields.responseCode;
    return { retryable: smtp < 500, code: `smtp_${smtp}`, retryAfterSeconds: null };
  }
  // HTTP answers surfaced by SDKs (firebase-admin, twilio): 429 and 5xx retry, other 4xx do not.
  if (typeof fields.statusCode === 'number' && fields.statusCode >= 400) {
    const http = fields.statusCode;
    return {
      retryable: http === 429 || http >= 500,
      code: `http_${http}`,
      retryAfterSeconds: null,
    };
  }
  return { retryable: true, code: 'unexpected', retryAfterSeconds: null };
}
