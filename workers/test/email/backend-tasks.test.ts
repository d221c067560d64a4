import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PermanentError, RetryableError } from '@burrow/shared';
import { startTestSmtpServer, type TestSmtpServer } from '../../../testing/smtp-server';
import { sendDailyDigest, yesterdayUtc } from '../../src/email/send-daily-digest';
import { sendNotificationToBackend } from '../../src/email/send-notification-to-backend';
import { emailHarness, fakeContext, type EmailHarness } from './email-context';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

describe('backend email tasks against a real HTTP server', () => {
  let server: http.Server;
  let smtp: TestSmtpServer;
  let harness: EmailHarness;
  const seen: Seen[] = [];
  let answer: { status: number; body: unknown } = { status: 200, body: {} };

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: JSON.parse(text || 'null'),
        });
        res
          .writeHead(answer.status, { 'content-type': 'application/json' })
          .end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    smtp = await startTestSmtpServer();
    harness = await emailHarness(smtp, {
      backendUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    });
  });
  afterAll(async () => {
    await harness.close();
    await smtp.close();
    server.closeAllConnections();
    server.close();
  });
  beforeEach(() => {
    seen.length = 0;
    smtp.reset();
  });

  it('send_notification_to_backend POSTs the event with the API key and the task id as Idempotency-Key', async () => {
    answer = { status: 202, body: { queued: true } };
    const ctx = fakeContext({ services: harness.services() });
    const result = await sendNotificationToBackend(
      { event: 'listing.sold', payload: { id: 7 } },
      ctx,
    );
    expect(result).toEqual({ status_code: 202, body: { queued: true } });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: '/internal/notifications/',
      body: { event: 'listing.sold', payload: { id: 7 } },
      headers: { 'idempotency-key': ctx.taskId, 'x-api-key': 'test-api-key' },
    });
  });

  it('send_notification_to_backend retries 5xx and gives up on 4xx', async () => {
    answer = { status: 503, body: {} };
    await expect(
      sendNotificationToBackend(
        { event: 'e', payload: {} },
        fakeContext({ services: harness.services() }),
      ),
    ).rejects.toBeInstanceOf(RetryableError);
    answer = { status: 422, body: { error: 'bad event' } };
    await expect(
      sendNotificationToBackend(
        { event: 'e', payload: {} },
        fakeContext({ services: harness.services() }),
      ),
    ).rejects.toBeInstanceOf(PermanentError);
  });

  it('send_daily_digest_task triggers the backend for yesterday and reports its answer', async () => {
    answer = { status: 200, body: { queued_users: 12 } };
    const ctx = fakeContext({ services: harness.services() });
    const result = await sendDailyDigest({}, ctx);
    expect(result).toEqual({
      date: yesterdayUtc(new Date()),
      triggered: true,
      status_code: 200,
      body: { queued_users: 12 },
    });
    expect(seen[0]).toMatchObject({
      url: '/internal/reports/daily-digest/trigger',
      body: { date: yesterdayUtc(new Date()) },
      headers: { 'idempotency-key': ctx.taskId },
    });
    expect(smtp.mails).toHaveLength(0);
  });

  it('sends the digest mail the backend returns as a bulk email, resuming the same list on retry', async () => {
    answer = {
      status: 200,
      body: {
        subject: 'Your digest for {{date}}',
        template: 'daily_digest',
        recipients: [
          {
            email: 'ann@example.com',
            name: 'Ann',
            fields: { date: '2026-01-01', digest: '3 new offers' },
          },
          { email: 'gone@example.com', name: 'Gone', fields: { date: '2026-01-01', digest: '-' } },
          {
            email: 'bob@example.com',
            name: 'Bob',
            fields: { date: '2026-01-01', digest: '1 message' },
          },
        ],
      },
    };
    smtp.refuseRecipient('bob@example.com', 451);
    const services = harness.services();
    const first = fakeContext({ services, maxRetries: 2 });
    smtp.refuseRecipient('gone@example.com', 550);
    await expect(sendDailyDigest({ date: '2026-01-01' }, first)).rejects.toBeInstanceOf(
      RetryableError,
    );

    answer = {
      status: 200,
      body: { recipients: [{ email: 'someone-else@example.com' }], subject: 'x', body: 'y' },
    };
    smtp.refuseRecipient('bob@example.com', 451, 0);
    const result = await sendDailyDigest(
      { date: '2026-01-01' },
      fakeContext({ services, taskId: first.taskId, retries: 1, maxRetries: 2 }),
    );
    expect(seen).toHaveLength(1); // the backend was asked once; the retry used the same list
    expect(result).toMatchObject({
      date: '2026-01-01',
      email: { total: 3, sent: 2, failed: 1, failures: [{ email: 'gone@example.com' }] },
    });
    const mails = await smtp.waitForMails(2);
    expect(mails.map((m) => m.envelopeTo[0])).toEqual(['ann@example.com', 'bob@example.com']);
    expect(mails[0]!.subject).toBe('Your digest for 2026-01-01');
    expect(mails[0]!.text).toContain('Hello Ann');
    expect(mails[0]!.text).toContain('3 new offers');
  });

  it('refuses a digest answer that is not a valid bulk email', async () => {
    answer = { status: 200, body: { recipients: ['not an address'], subject: 's', body: 'b' } };
    await expect(
      sendDailyDigest({}, fakeContext({ services: harness.services() })),
    ).rejects.toThrow(/digest answer is not a valid bulk email/);
  });
});
