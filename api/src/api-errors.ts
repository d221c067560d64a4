import type { FastifyReply } from 'fastify';
import type { FieldError } from './validation-errors';

/** Every error the API answers has this body: a stable code, a sentence, and field details. */
export interface ErrorBody {
  readonly error: string;
  readonly message: string;
  readonly details?: readonly FieldError[];
}

/** Sends a JSON error; `code` is stable (clients branch on it), `message` is for people. */
export function sendError(
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  details?: readonly FieldError[],
): FastifyReply {
  const body: ErrorBody = details ? { error: code, message, details } : { error: code, message };
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

/** Fastify's own error codes, as the API names them to its callers. */
export function describeFrameworkError(err: {
  code?: string;
  statusCode?: number;
  message: string;
}): { status: number; code: string; message: string } {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'payload_too_large', message: err.message };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        code: 'unsupported_media_type',
        message: 'send the kwargs as JSON with content-type: application/json',
      };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, code: 'bad_request', message: err.message };
    default:
      break;
  }
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500)
    return { status: err.statusCode, code: 'bad_request', message: err.message };
  return { status: 500, code: 'internal_error', message: 'internal error' };
}
