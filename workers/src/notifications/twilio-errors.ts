import { PermanentError, RetryableError } from '@burrow/shared';

/** Where the Python SDK defines the exceptions a Python caller of Twilio would catch. */
const EXC_MODULE = 'twilio.base.exceptions';

/** Longest provider-asked delay we honour; beyond it the task's own backoff applies. */
const MAX_RETRY_AFTER_SECONDS = 3_600;

/**
 * Twilio error codes that are retryable even though their HTTP status is a 4xx: the API's own
 * throttling and "try again later" answers.
 */
const RETRYABLE_TWILIO_CODES = new Set([
  20429, // Too Many Requests
  20500, // Internal Server Error
  20503, // Service Unavailable
]);

/** Node and axios network codes: the request may not have reached Twilio, so try again. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

interface RestExceptionFields {
  status?: unknown;
  code?: unknown;
  message?: unknown;
  moreInfo?: unknown;
  headers?: unknown;
}

/**
 * Turns what the Twilio SDK threw into burrow's own error, by status and Twilio error code:
 * 429, 5xx and Twilio's throttling codes are retried (after the Retry-After the API sent, if
 * any); every other 4xx, an invalid number (21211), an opted-out recipient (21610), bad
 * credentials (20003), is final. A network failure is retried under its Node code. Codes are
 * stable: `twilio_<code>` when Twilio gave one, else `twilio_http_<status>`.
 */
export function twilioTaskError(error: unknown): PermanentError | RetryableError {
  const fields = (error ?? {}) as RestExceptionFields;
  if (typeof fields.status === 'number') return restError(fields.status, fields, error);
  const nodeCode = typeof fields.code === 'string' ? fields.code : '';
  const text = error instanceof Error ? error.message : String(error);
  if (NETWORK_CODES.has(nodeCode))
    return new RetryableError(`Twilio unreachable: ${text}`, nodeCode, { cause: error });
  return new RetryableError(`Twilio request failed: ${text}`, 'twilio_unexpected', {
    cause: error,
    excType: 'TwilioException',
    excModule: EXC_MODULE,
  });
}

function restError(
  status: number,
  fields: RestExceptionFields,
  cause: unknown,
): PermanentError | RetryableError {
  const twilioCode = typeof fields.code === 'number' ? fields.code : null;
  const code = twilioCode !== null ? `twilio_${twilioCode}` : `twilio_http_${status}`;
  const detail = typeof fields.message === 'string' && fields.message !== '' ? fields.message : '';
  const message = `Twilio HTTP ${status}${twilioCode !== null ? ` (code ${twilioCode})` : ''}${
    detail ? `: ${detail}` : ''
  }`.slice(0, 500);
  const exc = { cause, excType: 'TwilioRestException', excModule: EXC_MODULE };
  const retryable =
    status === 429 ||
    status >= 500 ||
    (twilioCode !== null && RETRYABLE_TWILIO_CODES.has(twilioCode));
  if (!retryable) return new PermanentError(message, code, exc);
  const retryAfter = retryAfterSeconds(headerValue(fields.headers, 'retry-after'));
  return new RetryableError(message, code, {
    ...exc,
    ...(retryAfter !== null ? { retryAfterSeconds: retryAfter } : {}),
  });
}

/**
 * Seconds a Retry-After header asks for: delta-seconds or an HTTP date (RFC 9110 §10.2.3);
 * null when absent, unreadable or past. `now` is injected for tests.
 */
export function retryAfterSeconds(value: string | null, now = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const trimmed = value.trim();
  let seconds: number;
  if (/^\d+$/.test(trimmed)) seconds = Number(trimmed);
  else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return null;
    seconds = Math.ceil((at - now) / 1000);
  }
  if (!(seconds >= 0)) return null;
  return Math.min(seconds, MAX_RETRY_AFTER_SECONDS);
}

function headerValue(headers: unknown, name: string): string | null {
  if (headers === null || typeof headers !== 'object') return null;
  const value = (headers as Record<string, unknown>)[name];
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : null;
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
}
