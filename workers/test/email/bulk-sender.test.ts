import { ContinueLater, PermanentError, RetryableError, createLogger } from '@burrow/shared';
import { uniqueName } from '../../../testing/stack';
import { startTestSmtpServer, type TestSmtpServer } from '../../../testing/smtp-server';
import { sendBulk, type BulkSenderDeps } from '../../src/email/bulk-sender';
import type { BulkRecipientInput } from '../../src/email/template';
import { UNLIMITED } from '../../src/providers/fleet-rate-limiter';
import { emailHarness, type EmailHarness } from './email-context';

const recipients = (n: number): BulkRecipientInput[] =>
  Array.from({ length: n }, (_, i) =>
    i % 2 === 0 ? { email: `user${i}@example.com`, name: `User ${i}` } : `user${i}@example.com`,
  );

describe('bulk sender against a real SMTP server and Redis', () => {
  let smtp: TestSmtpServer;
  let harness: EmailHarness;
  const progress: { sent: number; failed: number; total: number }[] = [];

  const deps = (overrides: Partial<BulkSenderDeps> = {}): BulkSenderDeps => ({
    mailer: harness.mailer,
    limiter: UNLIMITED,
    state: harness.state,
    messageIdDomain: 'mail.burrow.test',
    concurrency: 4,
    logger: createLogger({ service: 'test', silent: true }),
    signal: new AbortController().signal,
    reportProgress: (p) => {
      progress.push(p);
      return Promise.resolve();
    },
    lastAttempt: false,
    retryDelayMs: () => 10,
    progressIntervalMs: 0,
    ...overrides,
  });
  const message = (taskId: string, list: BulkRecipientInput[]) => ({
    taskId,
    recipients: list,
    subject: 'Hello {{name}}',
    text: 'Dear {{ name }}, your code is {{code}}.',
    html: '<p>Dear {{name}}</p>',
    from: { name: 'Burrow', address: 'noreply@burrow.test' },
  });

  beforeAll(async () => {
    smtp = await startTestSmtpServer();
    harness = await emailHarness(smtp, { poolSize: 3 });
  });
  afterAll(async () => {
    await harness.close();
    await smtp.close();
  });
  beforeEach(() => {
    smtp.reset();
    progress.length = 0;
  });

  it('personalises each mail and records a 5xx recipient as a failure, not a task failure', async () => {
    smtp.refuseRecipient('user3@example.com', 550);
    const taskId = uniqueName('bulk');
    const list = recipients(20);
    list[4] = { email: 'user4@example.com', name: '<b>Eve</b>', fields: { code: 'A1' } };
    const result = await sendBulk(message(taskId, list), deps());
    expect(result).toMatchObject({ total: 20, sent: 19, failed: 1 });
    expect(result.failures).toEqual([
      {
        email: 'user3@example.com',
        error: expect.stringMatching(/^smtp_550: .*Mailbox unavailable/),
      },
    ]);
    const mails = await smtp.waitForMails(19);
    const eve = mails.find((m) => m.messageId === `<${taskId}.4@mail.burrow.test>`)!;
    expect(eve.subject).toBe('Hello <b>Eve</b>');
    expect(eve.text.trim()).toBe('Dear <b>Eve</b>, your code is A1.');
    expect(eve.html).toBe('<p>Dear &lt;b&gt;Eve&lt;/b&gt;</p>');
    expect(eve.parsed.to).toMatchObject({
      value: [{ address: 'user4@example.com', name: '<b>Eve</b>' }],
    });
    const plain = mails.find((m) => m.messageId === `<${taskId}.1@mail.burrow.test>`)!;
    expect(plain.subject).toBe('Hello');
    expect(plain.envelopeTo).toEqual(['user1@example.com']);
    expect(progress[0]).toEqual({ sent: 0, failed: 0, total: 20 });
    expect(progress.at(-1)!.sent + progress.at(-1)!.failed).toBeGreaterThan(0);
  });

  it('retries a 4xx recipient inline, then defers it to the next attempt, then fails it on the last', async () => {
    smtp.refuseRecipient('user1@example.com', 451, 2);
    const retried = await sendBulk(
      message(uniqueName('bulk'), recipients(3)),
      deps({ recipientTries: 3 }),
    );
    expect(retried).toMatchObject({ total: 3, sent: 3, failed: 0 });

    smtp.refuseRecipient('user2@example.com', 452);
    const taskId = uniqueName('bulk');
    const first = await sendBulk(message(taskId, recipients(4)), deps({ recipientTries: 2 })).catch(
      (err: unknown) => err,
    );
    expect(first).toBeInstanceOf(RetryableError);
    expect(first).toMatchObject({ code: 'smtp_452' });
    const sentBefore = smtp.mails.length;
    const last = await sendBulk(
      message(taskId, recipients(4)),
      deps({ recipientTries: 2, lastAttempt: true }),
    );
    expect(last).toMatchObject({ total: 4, sent: 3, failed: 1 });
    expect(last.failures[0]).toMatchObject({ email: 'user2@example.com' });
    expect(smtp.mails.length).toBe(sentBefore); // nobody else was sent to again
  });

  it('pauses cleanly when its signal aborts and the next attempt sends only to the rest', async () => {
    const taskId = uniqueName('bulk');
    const list = recipients(30);
    smtp.holdAfter(12);
    const controller = new AbortController();
    const paused = sendBulk(
      message(taskId, list),
      deps({ signal: controller.signal, drainMs: 100 }),
    );
    await smtp.waitForMails(12);
    controller.abort(new Error('soft time limit'));
    const error = await paused.catch((err: unknown) => err);
    // Not a failure: it continues later without spending a retry.
    expect(error).toBeInstanceOf(ContinueLater);
    expect(error).toMatchObject({
      afterSeconds: 1,
      progress: { sent: 12, failed: 0, total: 30 },
    });
    expect((error as Error).message).toMatch(
      /paused after 12 of 30 recipients \(soft time limit\)/,
    );
    smtp.release();

    const result = await sendBulk(message(taskId, list), deps());
    expect(result).toMatchObject({ total: 30, sent: 30, failed: 0 });
    const ids = smtp.mails.map((m) => m.messageId).sort();
    expect(ids).toEqual(list.map((_, i) => `<${taskId}.${i}@mail.burrow.test>`).sort());
  });

  it('ends the attempt retryably when the server is unavailable, and resumes later', async () => {
    const taskId = uniqueName('bulk');
    smtp.failConnections(1_000, 421);
    // A fresh pool: the shared one keeps connections the server already accepted.
    const fresh = await emailHarness(smtp);
    const error = await sendBulk(
      message(taskId, recipients(5)),
      deps({ recipientTries: 2, mailer: fresh.mailer }),
    ).catch((err: unknown) => err);
    await fresh.close();
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ code: 'smtp_421' });
    smtp.failConnections(0);
    const result = await sendBulk(message(taskId, recipients(5)), deps());
    expect(result).toMatchObject({ total: 5, sent: 5 });
    expect(smtp.mails).toHaveLength(5);
  });

  it('stops a bulk whose every message is refused instead of failing each recipient', async () => {
    smtp.refuseRecipient('noreply@burrow.test', 550); // never matches a recipient
    const list = recipients(60);
    for (let i = 0; i < list.length; i += 1) smtp.refuseRecipient(`user${i}@example.com`, 550);
    const result = await sendBulk(message(uniqueName('bulk'), list), deps());
    // Recipient refusals are per recipient: the bulk completes with every one reported.
    expect(result).toMatchObject({ total: 60, sent: 0, failed: 60 });
    await expect(
      sendBulk(
        { ...message(uniqueName('bulk'), recipients(60)), from: { address: 'x@burrow.test' } },
        deps({
          mailer: {
            send: () =>
              Promise.reject(
                Object.assign(new Error('spam'), { responseCode: 554, command: 'DATA' }),
              ),
            verify: () => Promise.resolve(),
            close: () => Promise.resolve(),
          },
        }),
      ),
    ).rejects.toBeInstanceOf(PermanentError);
  });
});
