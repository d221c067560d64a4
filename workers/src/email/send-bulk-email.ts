import type { KwargsOf, ResultOf, sendBulkEmailTask } from '@burrow/contracts';
import type { TaskContext } from '@burrow/shared';
import { addressList, parseMailbox } from './addresses';
import { sendBulk, type BulkResult } from './bulk-sender';
import { checkHeaders } from './message-parts';
import type { EmailServices } from './services';
import { bodySources, type BulkRecipientInput } from './template';

type Kwargs = KwargsOf<typeof sendBulkEmailTask>;
type Result = ResultOf<typeof sendBulkEmailTask>;

/** What a bulk send needs besides its recipients; shared with the daily digest. */
export interface BulkRequest {
  readonly recipients: readonly BulkRecipientInput[];
  readonly subject: string;
  readonly body?: string | undefined;
  readonly html?: string | undefined;
  readonly template?: string | undefined;
  readonly from_email?: string | undefined;
  readonly reply_to?: string | readonly string[] | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/**
 * tasks.email_tasks.send_bulk_email_task: one message, personalised per recipient, sent in
 * chunks within this task (see bulk-sender.ts for the resume and rate guarantees).
 */
export async function sendBulkEmail(
  kwargs: Kwargs,
  ctx: TaskContext<EmailServices>,
): Promise<Result> {
  return runBulk(kwargs, ctx);
}

/** Validates a bulk request (before any connection) and sends it under the task's id. */
export async function runBulk(
  request: BulkRequest,
  ctx: TaskContext<EmailServices>,
): Promise<BulkResult> {
  const { mailer, mailRate, emailState, email: settings } = ctx.services;
  const from = parseMailbox(
    request.from_email ?? settings.from,
    request.from_email ? 'from_email' : 'SMTP_FROM',
    request.from_email === undefined,
  );
  const replyTo = addressList(request.reply_to, 'reply_to');
  const headers = checkHeaders(request.headers);
  const sources = bodySources(request);
  return sendBulk(
    {
      taskId: ctx.taskId,
      recipients: request.recipients,
      subject: request.subject,
      text: sources.text,
      html: sources.html,
      from,
      ...(replyTo.length > 0 ? { replyTo } : {}),
      ...(headers ? { headers } : {}),
    },
    {
      mailer,
      limiter: mailRate,
      state: emailState,
      messageIdDomain: settings.messageIdDomain,
      concurrency: settings.bulkConcurrency,
      logger: ctx.logger,
      signal: ctx.signal,
      reportProgress: (progress) => ctx.reportProgress(progress),
      lastAttempt: ctx.retries >= ctx.maxRetries,
    },
  );
}
