import { PermanentError, RetryableError } from '@burrow/shared';

/** Which part of a send an SMTP failure concerns. */
export type SmtpFailureScope =
  /** One recipient was refused (RCPT TO): other recipients are unaffected. */
  | 'recipient'
  /** The message was refused (DATA): this message only. */
  | 'message'
  /** Connection, TLS, authentication or the sender failed: every message is concerned. */
  | 'session';

export interface SmtpFailure {
  readonly scope: SmtpFailureScope;
  readonly permanent: boolean;
  /** Stable code for results and metrics: `smtp_550`, `smtp_connection`, … */
  readonly code: string;
  /** The server's reply or the error text; never a password or a body. */
  readonly message: string;
  /** The exception a Python smtplib caller would have seen. */
  readonly excType: string;
}

interface NodemailerErrorFields {
  code?: unknown;
  command?: unknown;
  responseCode?: unknown;
  response?: unknown;
  permanent?: unknown;
  message?: unknown;
}

const CONNECTION_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'EPROTOCOL',
  'EPROXY',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
]);

/**
 * Reads a nodemailer error the way RFC 5321 means it: a 5xx reply is final (503, bad command
 * sequence, is not), a 4xx reply or a broken connection is worth another try later. The scope
 * says whether only one recipient, this message, or every message is concerned.
 */
export function describeSmtpError(error: unknown): SmtpFailure {
  const fields = (error ?? {}) as NodemailerErrorFields;
  const code = typeof fields.code === 'string' ? fields.code : '';
  const command = typeof fields.command === 'string' ? fields.command.toUpperCase() : '';
  const reply = typeof fields.responseCode === 'number' ? fields.responseCode : null;
  const text =
    typeof fields.response === 'string' && fields.response !== ''
      ? fields.response
      : typeof fields.message === 'string'
        ? fields.message
        : String(error);
  if (reply !== null) {
    const permanent =
      typeof fields.permanent === 'boolean' ? fields.permanent : reply >= 500 && reply !== 503;
    if (
      code === 'EAUTH' ||
      reply === 421 ||
      command === 'AUTH' ||
      command === 'MAIL FROM' ||
      command === 'CONN'
    )
      return failure('session', permanent, `smtp_${reply}`, text, excTypeFor(code, command));
    const scope: SmtpFailureScope = command === 'RCPT TO' ? 'recipient' : 'message';
    return failure(scope, permanent, `smtp_${reply}`, text, excTypeFor(code, command));
  }
  if (code === 'EAUTH' || code === 'ENOAUTH')
    return failure('session', true, 'smtp_auth', text, 'SMTPAuthenticationError');
  if (code === 'EENVELOPE' || code === 'EMESSAGE')
    return failure('message', true, 'smtp_invalid_message', text, 'SMTPException');
  if (code === 'EABORT')
    return failure('session', false, 'smtp_aborted', text, 'SMTPServerDisconnected');
  // Connection trouble and anything unknown: nothing says the message is bad, so retry.
  return failure(
    'session',
    false,
    CONNECTION_CODES.has(code) ? 'smtp_connection' : 'smtp_unexpected',
    text,
    'SMTPServerDisconnected',
  );
}

/** The task error for a failure that ends the task. */
export function smtpTaskError(
  failure: SmtpFailure,
  options: { cause?: unknown; retryAfterSeconds?: number } = {},
): PermanentError | RetryableError {
  const message = `SMTP ${failure.scope} error: ${failure.message}`;
  const exc = { excType: failure.excType, excModule: 'smtplib', cause: options.cause };
  return failure.permanent
    ? new PermanentError(message, failure.code, exc)
    : new RetryableError(message, failure.code, {
        ...exc,
        ...(options.retryAfterSeconds !== undefined
          ? { retryAfterSeconds: options.retryAfterSeconds }
          : {}),
      });
}

function failure(
  scope: SmtpFailureScope,
  permanent: boolean,
  code: string,
  message: string,
  excType: string,
): SmtpFailure {
  return { scope, permanent, code, message: message.trim().slice(0, 500), excType };
}

function excTypeFor(code: string, command: string): string {
  if (code === 'EAUTH' || command === 'AUTH') return 'SMTPAuthenticationError';
  if (command === 'RCPT TO') return 'SMTPRecipientsRefused';
  if (command === 'MAIL FROM') return 'SMTPSenderRefused';
  if (command === 'DATA') return 'SMTPDataError';
  return 'SMTPResponseException';
}
