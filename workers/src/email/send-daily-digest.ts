import {
  compileContract,
  sendBulkEmailTask,
  type KwargsOf,
  type ResultOf,
  type sendDailyDigestTask,
} from '@burrow/contracts';
import { PermanentError, type TaskContext } from '@burrow/shared';
import type { EmailServices } from './services';
import { runBulk, type BulkRequest } from './send-bulk-email';
import { withBody } from './send-notification-to-backend';

type Kwargs = KwargsOf<typeof sendDailyDigestTask>;
type Result = ResultOf<typeof sendDailyDigestTask>;

const bulkContract = compileContract(sendBulkEmailTask);
const PLAN_FIELDS = [
  'recipients',
  'subject',
  'body',
  'html',
  'template',
  'from_email',
  'reply_to',
  'headers',
] as const;

/**
 * tasks.email_tasks.send_daily_digest_task: POSTs `{date}` to the backend's digest trigger
 * (BACKEND_DIGEST_PATH, Idempotency-Key = task id), as the Python service did. When the
 * backend answers with the mail itself (`recipients`, `subject` and `body`, `html` or
 * `template`), burrow sends it as a bulk email under this task's id. The answer is kept in
 * Redis with the task's state, so a retry resumes the same recipient list instead of asking
 * the backend again (a new list would not match the recorded progress).
 */
export async function sendDailyDigest(
  kwargs: Kwargs,
  ctx: TaskContext<EmailServices>,
): Promise<Result> {
  const date = kwargs.date ?? yesterdayUtc(new Date());
  const { backend, emailState, email } = ctx.services;
  const answer = await emailState.remember(ctx.taskId, async () => {
    const response = await backend.call(
      'POST',
      email.digestPath,
      { date },
      { signal: ctx.signal, idempotencyKey: ctx.taskId },
    );
    return { status: response.status, body: response.body };
  });
  const plan = digestPlan(answer.body);
  if (plan?.recipients.length === 0) {
    ctx.logger.info('daily digest: nobody to send to', { date });
    const nobody = { total: 0, sent: 0, failed: 0, failures: [] };
    return { date, triggered: true, status_code: answer.status, email: nobody };
  }
  if (!plan) {
    ctx.logger.info('daily digest triggered on the backend', { date, status: answer.status });
    return { date, triggered: true, ...withBody(answer.status, answer.body) };
  }
  ctx.logger.info("daily digest: sending the backend's mail", {
    date,
    recipients: plan.recipients.length,
  });
  const result = await runBulk(plan, ctx);
  return { date, triggered: true, status_code: answer.status, email: result };
}

/** The bulk email in a digest answer, or null when the answer is not one. */
export function digestPlan(body: unknown): BulkRequest | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const answer = body as Record<string, unknown>;
  const hasContent = ['body', 'html', 'template'].some((f) => typeof answer[f] === 'string');
  if (!Array.isArray(answer.recipients) || typeof answer.subject !== 'string' || !hasContent)
    return null;
  if (answer.recipients.length === 0) return { recipients: [], subject: answer.subject };
  const request = Object.fromEntries(
    PLAN_FIELDS.filter((f) => answer[f] !== undefined && answer[f] !== null).map((f) => [
      f,
      answer[f],
    ]),
  );
  const prepared = bulkContract.prepare([], request);
  if (!prepared.ok)
    throw new PermanentError(
      `the backend's digest answer is not a valid bulk email: ${prepared.error.reason}`,
      'invalid_digest',
    );
  return prepared.kwargs;
}

/** The day before `now`, in UTC, as YYYY-MM-DD. */
export function yesterdayUtc(now: Date): string {
  return new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10);
}
