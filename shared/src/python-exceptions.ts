/**
 * The Python exception a Celery caller sees for a failure, by burrow error code. Results carry
 * `exc_type`/`exc_module`, and `AsyncResult.get()` re-raises that class, so a backend that
 * catches `ConnectionError` or `ValueError` today keeps catching them. This table is the one
 * place those names are chosen; a provider adapter names a provider's own exceptions (smtplib's)
 * where only it can tell them apart.
 */
export interface PythonException {
  readonly type: string;
  readonly module: string;
}

const builtin = (type: string): PythonException => ({ type, module: 'builtins' });

const BY_CODE: Readonly<Record<string, PythonException>> = {
  // burrow's own decisions, named as a Celery worker would name them
  schema: builtin('ValueError'),
  bad_arguments: builtin('TypeError'),
  unknown_task: { type: 'NotRegistered', module: 'celery.exceptions' },
  not_implemented: builtin('NotImplementedError'),
  crash_loop: { type: 'WorkerLostError', module: 'billiard.exceptions' },
  soft_time_limit: { type: 'SoftTimeLimitExceeded', module: 'celery.exceptions' },
  time_limit: { type: 'TimeLimitExceeded', module: 'billiard.exceptions' },
  retry_requested: { type: 'Retry', module: 'celery.exceptions' },
  broker_unavailable: { type: 'OperationalError', module: 'kombu.exceptions' },
  config: builtin('ValueError'),
  eta_too_far: builtin('ValueError'),
  redelivery_loop: builtin('RuntimeError'),
  too_many_continuations: builtin('RuntimeError'),
  result_not_serializable: { type: 'EncodeError', module: 'kombu.exceptions' },
  // messages that cannot be decoded (contracts/src/envelope), as kombu would refuse them
  unsupported_content_type: { type: 'ContentDisallowed', module: 'kombu.exceptions' },
  unsupported_encoding: { type: 'DecodeError', module: 'kombu.exceptions' },
  not_json: { type: 'DecodeError', module: 'kombu.exceptions' },
  invalid_utf8: { type: 'DecodeError', module: 'kombu.exceptions' },
  too_deep: builtin('ValueError'),
  bad_body: builtin('ValueError'),
  bad_header: builtin('ValueError'),
  missing_task_name: builtin('ValueError'),
  missing_task_id: builtin('ValueError'),
  too_large: builtin('ValueError'),
  unknown_template: builtin('ValueError'),
  attachment_not_found: builtin('ValueError'),
  attachment_forbidden: builtin('ValueError'),
  forbidden_origin: builtin('PermissionError'),
  // Node system and undici codes, as Python's socket layer raises them
  ECONNREFUSED: builtin('ConnectionRefusedError'),
  ECONNRESET: builtin('ConnectionResetError'),
  ECONNABORTED: builtin('ConnectionAbortedError'),
  EPIPE: builtin('BrokenPipeError'),
  ETIMEDOUT: builtin('TimeoutError'),
  EHOSTUNREACH: builtin('OSError'),
  ENETUNREACH: builtin('OSError'),
  ENOTFOUND: { type: 'gaierror', module: 'socket' },
  EAI_AGAIN: { type: 'gaierror', module: 'socket' },
  ENOENT: builtin('FileNotFoundError'),
  EACCES: builtin('PermissionError'),
  EPERM: builtin('PermissionError'),
  EISDIR: builtin('IsADirectoryError'),
  UND_ERR_CONNECT_TIMEOUT: builtin('TimeoutError'),
  UND_ERR_HEADERS_TIMEOUT: builtin('TimeoutError'),
  UND_ERR_BODY_TIMEOUT: builtin('TimeoutError'),
  UND_ERR_SOCKET: builtin('ConnectionError'),
  UND_ERR_CLOSED: builtin('ConnectionError'),
};

/** Families of codes: `http_503`, `invalid_address`. */
const BY_PREFIX: readonly (readonly [string, PythonException])[] = [
  ['http_', { type: 'HTTPError', module: 'requests.exceptions' }],
  ['invalid_', builtin('ValueError')],
];

/** The Python exception for a burrow or Node error code, or null when the code names none. */
export function pythonExceptionForCode(code: string): PythonException | null {
  const exact = BY_CODE[code];
  if (exact) return exact;
  return BY_PREFIX.find(([prefix]) => code.startsWith(prefix))?.[1] ?? null;
}

/** JavaScript error classes that have a Python counterpart. */
const BY_JS_NAME: Readonly<Record<string, string>> = {
  Error: 'Exception',
  TypeError: 'TypeError',
  RangeError: 'ValueError',
  SyntaxError: 'ValueError',
  ReferenceError: 'NameError',
  AbortError: 'TimeoutError',
  TimeoutError: 'TimeoutError',
};

/**
 * The Python exception for anything thrown: an explicit name from a provider adapter first,
 * then the error's code, then a JavaScript built-in's counterpart, else `Exception`.
 */
export function pythonExceptionOf(error: unknown): PythonException {
  if (!(error instanceof Error)) return builtin('Exception');
  const fields = error as Error & { excType?: unknown; excModule?: unknown; code?: unknown };
  if (typeof fields.excType === 'string' && fields.excType !== '') {
    return {
      type: fields.excType,
      module: typeof fields.excModule === 'string' ? fields.excModule : 'builtins',
    };
  }
  if (typeof fields.code === 'string') {
    // A coded error (burrow's own classes included) is named by its code, never by its class.
    return pythonExceptionForCode(fields.code) ?? builtin('Exception');
  }
  const name = BY_JS_NAME[error.name] ?? (/^[A-Za-z_]\w*$/.test(error.name) ? error.name : null);
  return builtin(name ?? 'Exception');
}
