import type { KwargsOf, ResultOf, sendEmailTask } from '@burrow/contracts';
import { PermanentError, RetryableError, type TaskContext } from '@burrow/shared';
import { describeSmtpError, smtpTaskError } from './smtp-errors';
import type { RejectedRecipient, SendReport } from './smtp-mailer';
import { addressList, messageIdFor, parseMailbox, uniqueAddresses } from './addresses';
import { checkHeaders, loadAttachments } from './message-parts';
import type { EmailServices } from './services';

type Kwargs = KwargsOf<typeof sendEmailTask>;
type Result = ResultOf<typeof sendEmailTask>;

/**
 * tasks.email_tasks.send_email_task: one message over pooled SMTP. Everything is checked
 * before a connection is made. The Message-ID is `<task-id@domain>`, and recipients the
 * server already took are remembered per task id, so a retry (another recipient answered
 * 4xx) or a redelivery sends only to those not served yet, under the same Message-ID.
 */
export async function sendEmail(k: Kwargs, ctx: TaskContext<EmailServices>): Promise<Result> {
  const { mailer, mailRate, emailState, email: settings } = ctx.services;
  const to = addressList(k.to_email, 'to_email');
  const cc = addressList(k.cc, 'cc');
  const bcc = addressList(k.bcc, 'bcc');
  const replyTo = addressList(k.reply_to, 'reply_to');
  const from = parseMailbox(
    k.from_email ?? settings.from,
    k.from_email ? 'from_email' : 'SMTP_FROM',
    k.from_email === undefined,
  );
  const headers = checkHeaders(k.headers);
  const attachments = await loadAttachments(k.attachments, settings.attachmentsDir);
  const messageId = messageIdFor(ctx.taskId, settings.messageIdDomain);

  const everyone = uniqueAddresses(to, cc, bcc);
  // A replayed dead letter asks again of the recipients refused for good before (the operator
  // replays once the mailbox is fixed); the ones that took the message are never sent it twice.
  if (ctx.replayed) await emailState.forgetRefusals(ctx.taskId);
  const served = await emailState.loadRecipients(ctx.taskId);
  const known = new Set(
    [...served.accepted, ...served.rejected.keys()].map((a) => a.toLowerCase()),
  );
  const remaining = everyone.filter((address) => !known.has(address.toLowerCase()));
  const accepted = [...served.accepted];
  const rejected = [...served.rejected.keys()];
  if (remaining.length === 0) {
    ctx.logger.info('email already sent by an earlier attempt');
    return { message_id: messageId, accepted, rejected };
  }

  await mailRate.take(ctx.signal);
  let report: SendReport;
  try {
    report = await mailer.send(
      {
        from,
        to: to.map((address) => ({ address })),
        cc,
        bcc,
        replyTo,
        subject: k.subject,
        text: k.body,
        ...(k.html !== undefined ? { html: k.html } : {}),
        ...(headers ? { headers } : {}),
        attachments,
        messageId,
        envelopeTo: remaining,
      },
      ctx.signal,
    );
  } catch (err) {
    const refusals = refusedRecipients(err);
    if (!refusals) {
      const failure = describeSmtpError(err);
      ctx.logger.warn('email not sent', { code: failure.code, error: failure.message });
      throw smtpTaskError(failure, { cause: err });
    }
    report = { messageId, accepted: [], rejected: refusals };
  }

  const lastAttempt = ctx.retries >= ctx.maxRetries;
  const final = report.rejected.filter((r) => r.failure.permanent || lastAttempt);
  const deferred = report.rejected.filter((r) => !r.failure.permanent && !lastAttempt);
  await emailState.recordRecipients(
    ctx.taskId,
    report.accepted,
    final.map((r) => ({ address: r.address, error: `${r.failure.code}: ${r.failure.message}` })),
  );
  accepted.push(...report.accepted);
  rejected.push(...final.map((r) => r.address));
  if (deferred.length > 0) {
    const first = deferred[0]!.failure;
    ctx.logger.warn('email deferred for some recipients', {
      deferred: deferred.length,
      code: first.code,
    });
    throw new RetryableError(
      `${deferred.length} recipient(s) deferred by the server (${first.message}); the retry sends to them only`,
      first.code,
      { excType: first.excType, excModule: 'smtplib' },
    );
  }
  if (accepted.length === 0) {
    const first = final[0]?.failure;
    throw new PermanentError(
      `every recipient was refused${first ? `: ${first.message}` : ''}`,
      first?.code ?? 'smtp_refused',
      { excType: 'SMTPRecipientsRefused', excModule: 'smtplib' },
    );
  }
  ctx.logger.info('email sent', {
    to: to.join(','),
    accepted: accepted.length,
    rejected: rejected.length,
  });
  return { message_id: messageId, accepted, rejected };
}

/** The per-recipient refusals of a send the server refused for every recipient, if that is what it was. */
function refusedRecipients(error: unknown): RejectedRecipient[] | null {
  const fields = error as { rejectedErrors?: unknown; rejected?: unknown } | null;
  if (!fields || !Array.isArray(fields.rejectedErrors) || fields.rejectedErrors.length === 0)
    return null;
  return fields.rejectedErrors.map((e: unknown) => ({
    address: String((e as { recipient?: unknown }).recipient ?? ''),
    failure: describeSmtpError(e),
  }));
}
