import { sleep, type RateLimiter } from '../providers/fleet-rate-limiter';
import { describeSmtpError, type SmtpFailure } from './smtp-errors';
import type { MailAddress, Mailer, OutgoingMail } from './smtp-mailer';
import { messageIdFor } from './addresses';
import { compileTemplate, mergeValues, type BulkRecipientInput } from './template';

/** One bulk message before personalisation; bodies may hold `{{field}}` placeholders. */
export interface BulkMessage {
  readonly taskId: string;
  readonly recipients: readonly BulkRecipientInput[];
  readonly subject: string;
  readonly text?: string | undefined;
  readonly html?: string | undefined;
  readonly from: MailAddress;
  readonly replyTo?: readonly string[] | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/** How sending to one recipient ended. */
export type RecipientOutcome =
  | { readonly kind: 'sent' }
  /** Refused for good (5xx for this recipient or this message). */
  | { readonly kind: 'failed'; readonly failure: SmtpFailure }
  /** Still refused with 4xx after the inline retries: worth another attempt later. */
  | { readonly kind: 'deferred'; readonly failure: SmtpFailure }
  /** The session failed (connection, authentication, sender): no recipient can be served now. */
  | { readonly kind: 'session'; readonly failure: SmtpFailure }
  /** The task's signal aborted before the mail was sent. */
  | { readonly kind: 'aborted' };

/** Builds the personalised mail of recipient `index`. */
export function personaliser(
  message: BulkMessage,
  messageIdDomain: string,
): (index: number) => OutgoingMail {
  const subject = compileTemplate(message.subject, { html: false });
  const text = message.text === undefined ? null : compileTemplate(message.text, { html: false });
  const html = message.html === undefined ? null : compileTemplate(message.html, { html: true });
  return (index) => {
    const recipient = message.recipients[index]!;
    const values = mergeValues(recipient);
    const email = values.email ?? '';
    const name = values.name ?? '';
    return {
      from: message.from,
      to: [name ? { name, address: email } : { address: email }],
      ...(message.replyTo ? { replyTo: message.replyTo } : {}),
      subject: subject(values)
        .replace(/[\r\n]+/g, ' ')
        .trim(),
      ...(text ? { text: text(values) } : {}),
      ...(html ? { html: html(values) } : {}),
      ...(message.headers ? { headers: message.headers } : {}),
      messageId: messageIdFor(message.taskId, messageIdDomain, index),
    };
  };
}

export interface SendOptions {
  readonly mailer: Mailer;
  readonly limiter: RateLimiter;
  /** Aborts waiting for a rate token or a retry: the task is stopping. */
  readonly signal: AbortSignal;
  /** Aborts a send already under way (fires a little after `signal`, so sends in flight end). */
  readonly sendSignal: AbortSignal;
  /** Tries per recipient for 4xx replies and connection trouble. @default 3 */
  readonly tries?: number;
  /** Wait before inline retry n (0-based). @default 500 ms × 2ⁿ */
  readonly retryDelayMs?: (retry: number) => number;
}

/**
 * Sends one mail, taking a fleet-wide rate token before each try. Transient trouble (4xx,
 * a dropped connection) is retried inline a few times with backoff; what remains is reported,
 * not thrown, so the caller decides for the whole task.
 */
export async function sendToRecipient(
  mail: OutgoingMail,
  options: SendOptions,
): Promise<RecipientOutcome> {
  const tries = Math.max(1, options.tries ?? 3);
  const delay = options.retryDelayMs ?? ((n: number) => 500 * 2 ** n);
  for (let attempt = 0; ; attempt += 1) {
    try {
      await options.limiter.take(options.signal);
    } catch {
      return { kind: 'aborted' };
    }
    if (options.signal.aborted) return { kind: 'aborted' };
    let failure: SmtpFailure;
    try {
      const report = await options.mailer.send(mail, options.sendSignal);
      if (report.accepted.length > 0) return { kind: 'sent' };
      failure = report.rejected[0]?.failure ?? describeSmtpError(new Error('no recipient taken'));
    } catch (err) {
      if (options.sendSignal.aborted) return { kind: 'aborted' };
      failure = describeSmtpError(err);
    }
    if (failure.permanent)
      return failure.scope === 'session'
        ? { kind: 'session', failure }
        : { kind: 'failed', failure };
    if (attempt + 1 >= tries)
      return failure.scope === 'session'
        ? { kind: 'session', failure }
        : { kind: 'deferred', failure };
    try {
      await sleep(delay(attempt), options.signal);
    } catch {
      return { kind: 'aborted' };
    }
  }
}
