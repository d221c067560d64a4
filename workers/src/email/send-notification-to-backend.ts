import type { KwargsOf, ResultOf, sendNotificationToBackend as contract } from '@burrow/contracts';
import type { TaskContext } from '@burrow/shared';
import type { EmailServices } from './services';

type Kwargs = KwargsOf<typeof contract>;
type Result = ResultOf<typeof contract>;

/** A backend answer larger than this is left out of the stored result. */
export const MAX_BODY_IN_RESULT = 64 * 1024;

/**
 * tasks.email_tasks.send_notification_to_backend: POSTs `{event, payload}` to the backend's
 * notify path (BACKEND_NOTIFY_PATH) with its API key and `Idempotency-Key: <task id>`, so a
 * retried or redelivered call can be recognised by the backend. Only the configured backend
 * origin is ever called; 5xx, 429 and network errors retry, other 4xx are permanent.
 */
export async function sendNotificationToBackend(
  { event, payload }: Kwargs,
  ctx: TaskContext<EmailServices>,
): Promise<Result> {
  const { backend, email } = ctx.services;
  const response = await backend.call(
    'POST',
    email.notifyPath,
    { event, payload },
    { signal: ctx.signal, idempotencyKey: ctx.taskId },
  );
  ctx.logger.info('backend notified', {
    event,
    status: response.status,
    ms: response.latencyMs,
  });
  return withBody(response.status, response.body);
}

/** `{status_code, body}`, leaving out a body too large to keep in Redis. */
export function withBody(status: number, body: unknown): Result {
  if (body === null || body === undefined || body === '') return { status_code: status };
  const size = JSON.stringify(body).length;
  return size <= MAX_BODY_IN_RESULT ? { status_code: status, body } : { status_code: status };
}
