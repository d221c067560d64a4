import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PermanentError, RetryableError, classifyError } from '@burrow/shared';
import { startTestSmtpServer, type TestSmtpServer } from '../../../testing/smtp-server';
import { sendEmail } from '../../src/email/send-email';
import { emailHarness, fakeContext, type EmailHarness } from './email-context';

describe('send_email_task handler against a real SMTP server', () => {
  let smtp: TestSmtpServer;
  let harness: EmailHarness;
  let dir: string;

  beforeAll(async () => {
    smtp = await startTestSmtpServer();
    harness = await emailHarness(smtp);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-attach-'));
    fs.writeFileSync(path.join(dir, 'invoice.pdf'), '%PDF-1.4 fake invoice');
  });
  afterAll(async () => {
    await harness.close();
    await smtp.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => smtp.reset());

  it('sends text, HTML, copies, headers and both kinds of attachment under a Message-ID from the task id', async () => {
    const ctx = fakeContext({ services: harness.services({ email: { attachmentsDir: dir } }) });
    const result = await sendEmail(
      {
        to_email: ['ann@example.com', 'bob@example.com'],
        subject: 'Your listing is live',
        body: 'Plain text body',
        html: '<p>HTML body</p>',
        from_email: 'Listings <listings@example.com>',
        reply_to: 'help@example.com',
        cc: 'carl@example.com',
        bcc: ['dora@example.com'],
        attachments: [
          { filename: 'hello.txt', content_base64: Buffer.from('hello').toString('base64') },
          { filename: 'invoice.pdf', path: 'invoice.pdf', content_type: 'application/pdf' },
        ],
        headers: { 'X-Campaign': 'spring' },
      },
      ctx,
    );
    const messageId = `<${ctx.taskId}@mail.burrow.test>`;
    expect(result).toEqual({
      message_id: messageId,
      accepted: ['ann@example.com', 'bob@example.com', 'carl@example.com', 'dora@example.com'],
      rejected: [],
    });
    const [mail] = await smtp.waitForMails(1);
    expect(mail!.messageId).toBe(messageId);
    expect(mail!.envelopeFrom).toBe('listings@example.com');
    expect(mail!.envelopeTo.sort()).toEqual(
      ['ann@example.com', 'bob@example.com', 'carl@example.com', 'dora@example.com'].sort(),
    );
    expect(mail!.subject).toBe('Your listing is live');
    expect(mail!.text.trim()).toBe('Plain text body');
    expect(mail!.html).toBe('<p>HTML body</p>');
    expect(mail!.headers.get('x-campaign')).toBe('spring');
    expect(mail!.headers.has('bcc')).toBe(false);
    expect(mail!.parsed.from?.value).toEqual([
      { name: 'Listings', address: 'listings@example.com' },
    ]);
    expect(mail!.parsed.replyTo?.text).toBe('help@example.com');
    expect(
      mail!.parsed.attachments.map((a) => [a.filename, a.contentType, a.content.toString()]),
    ).toEqual([
      ['hello.txt', 'text/plain', 'hello'],
      ['invoice.pdf', 'application/pdf', '%PDF-1.4 fake invoice'],
    ]);
  });

  it('retries only the recipient the server deferred (4xx), under the same Message-ID', async () => {
    smtp.refuseRecipient('busy@example.com', 451, 1);
    const services = harness.services();
    const first = fakeContext({ services });
    const error = await sendEmail(
      { to_email: ['ann@example.com', 'busy@example.com'], subject: 'Hi', body: 'x' },
      first,
    ).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RetryableError);
    expect(classifyError(error)).toMatchObject({ retryable: true, code: 'smtp_451' });

    const retry = fakeContext({ services: services, taskId: first.taskId, retries: 1 });
    const result = await sendEmail(
      { to_email: ['ann@example.com', 'busy@example.com'], subject: 'Hi', body: 'x' },
      retry,
    );
    expect(result.accepted).toEqual(['ann@example.com', 'busy@example.com']);
    const mails = await smtp.waitForMails(2);
    expect(mails.map((m) => m.envelopeTo)).toEqual([['ann@example.com'], ['busy@example.com']]);
    expect(new Set(mails.map((m) => m.messageId))).toEqual(
      new Set([`<${first.taskId}@mail.burrow.test>`]),
    );

    // A redelivery of the completed send sends nothing more.
    const again = await sendEmail(
      { to_email: ['ann@example.com', 'busy@example.com'], subject: 'Hi', body: 'x' },
      fakeContext({ services: services, taskId: first.taskId, retries: 2 }),
    );
    expect(again.accepted).toHaveLength(2);
    expect(smtp.mails).toHaveLength(2);
  });

  it('reports a permanently refused recipient as rejected and fails when all are refused', async () => {
    smtp.refuseRecipient('gone@example.com', 550);
    const services = harness.services();
    const partial = await sendEmail(
      { to_email: ['ann@example.com', 'gone@example.com'], subject: 'Hi', body: 'x' },
      fakeContext({ services }),
    );
    expect(partial).toMatchObject({
      accepted: ['ann@example.com'],
      rejected: ['gone@example.com'],
    });

    const all = await sendEmail(
      { to_email: 'gone@example.com', subject: 'Hi', body: 'x' },
      fakeContext({ services }),
    ).catch((err: unknown) => err);
    expect(all).toBeInstanceOf(PermanentError);
    expect(all).toMatchObject({ code: 'smtp_550', excType: 'SMTPRecipientsRefused' });
  });

  it('on the last attempt, a recipient still deferred is reported rejected instead of retried', async () => {
    smtp.refuseRecipient('busy@example.com', 452);
    const result = await sendEmail(
      { to_email: ['ann@example.com', 'busy@example.com'], subject: 'Hi', body: 'x' },
      fakeContext({ services: harness.services(), retries: 5, maxRetries: 5 }),
    );
    expect(result).toMatchObject({ accepted: ['ann@example.com'], rejected: ['busy@example.com'] });
  });

  it('refuses bad input before any connection', async () => {
    const before = smtp.connections();
    const services = harness.services({ email: { attachmentsDir: dir } });
    const outside = path.join(os.tmpdir(), `burrow-outside-${process.pid}.txt`);
    fs.writeFileSync(outside, 'secret');
    try {
      const refused: Parameters<typeof sendEmail>[0][] = [
        { to_email: 'x,y@example.com', subject: 'Hi', body: 'x' },
        {
          to_email: 'ann@example.com',
          subject: 'Hi',
          body: 'x',
          headers: { 'Message-ID': '<a@b>' },
        },
        {
          to_email: 'ann@example.com',
          subject: 'Hi',
          body: 'x',
          headers: { 'X-A': 'a\r\nBcc: e@v.il' },
        },
        {
          to_email: 'ann@example.com',
          subject: 'Hi',
          body: 'x',
          attachments: [{ filename: 'p', path: outside }],
        },
      ];
      for (const kwargs of refused) {
        await expect(sendEmail(kwargs, fakeContext({ services }))).rejects.toBeInstanceOf(
          PermanentError,
        );
      }
    } finally {
      fs.rmSync(outside);
    }
    expect(smtp.connections()).toBe(before);
    expect(smtp.mails).toHaveLength(0);
  });

  it('maps an unreachable server to a retryable error', async () => {
    const down = await startTestSmtpServer();
    await down.close();
    const downHarness = await emailHarness(down);
    try {
      const error = await sendEmail(
        { to_email: 'ann@example.com', subject: 'Hi', body: 'x' },
        fakeContext({ services: downHarness.services() }),
      ).catch((err: unknown) => err);
      expect(classifyError(error)).toMatchObject({ retryable: true, code: 'smtp_connection' });
    } finally {
      await downHarness.close();
    }
  });
});
