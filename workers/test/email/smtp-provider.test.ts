import { Redis } from 'ioredis';
import { PermanentError, RetryableError } from '@burrow/shared';
import { REDIS_URL, uniqueName } from '../../../testing/stack';
import { startTestSmtpServer } from '../../../testing/smtp-server';
import { RedisRateLimiter } from '../../src/providers/fleet-rate-limiter';
import { describeSmtpError, smtpTaskError } from '../../src/email/smtp-errors';
import { SmtpMailer } from '../../src/email/smtp-mailer';

describe('describeSmtpError', () => {
  it('reads reply codes per RFC 5321 and scopes them', () => {
    const rcpt = (responseCode: number) => ({
      code: 'EENVELOPE',
      command: 'RCPT TO',
      responseCode,
      response: `${responseCode} no`,
    });
    expect(describeSmtpError(rcpt(550))).toMatchObject({
      scope: 'recipient',
      permanent: true,
      code: 'smtp_550',
      excType: 'SMTPRecipientsRefused',
    });
    expect(describeSmtpError(rcpt(451))).toMatchObject({ scope: 'recipient', permanent: false });
    expect(describeSmtpError(rcpt(503))).toMatchObject({ permanent: false });
    expect(
      describeSmtpError({ code: 'EMESSAGE', command: 'DATA', responseCode: 554 }),
    ).toMatchObject({ scope: 'message', permanent: true, excType: 'SMTPDataError' });
    expect(
      describeSmtpError({ code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 553 }),
    ).toMatchObject({ scope: 'session', permanent: true, excType: 'SMTPSenderRefused' });
    expect(describeSmtpError({ code: 'ECONNECTION' })).toMatchObject({
      scope: 'session',
      permanent: false,
      code: 'smtp_connection',
    });
    expect(
      describeSmtpError({ code: 'EAUTH', command: 'AUTH PLAIN', responseCode: 535 }),
    ).toMatchObject({ scope: 'session', permanent: true });
    expect(smtpTaskError(describeSmtpError(rcpt(550)))).toBeInstanceOf(PermanentError);
    expect(smtpTaskError(describeSmtpError(rcpt(421)))).toBeInstanceOf(RetryableError);
  });
});

describe('SmtpMailer with authentication', () => {
  it('authenticates, and a wrong password is a permanent session failure that never shows the password', async () => {
    const smtp = await startTestSmtpServer({ auth: { user: 'mailer', pass: 's3cret-pw' } });
    const good = new SmtpMailer({
      host: smtp.host,
      port: smtp.port,
      user: 'mailer',
      password: 's3cret-pw',
      timeoutSeconds: 5,
    });
    const bad = new SmtpMailer({
      host: smtp.host,
      port: smtp.port,
      user: 'mailer',
      password: 'wr0ng-pw',
      timeoutSeconds: 5,
    });
    try {
      const mail = {
        from: { address: 'a@burrow.test' },
        to: [{ address: 'b@example.com' }],
        subject: 's',
        text: 't',
        messageId: '<m1@burrow.test>',
      };
      await expect(good.send(mail)).resolves.toMatchObject({
        messageId: '<m1@burrow.test>',
        accepted: ['b@example.com'],
      });
      expect(smtp.mails[0]!.user).toBe('mailer');
      const failure = describeSmtpError(await bad.send(mail).catch((err: unknown) => err));
      expect(failure).toMatchObject({ scope: 'session', permanent: true, code: 'smtp_535' });
      expect(JSON.stringify(failure)).not.toContain('wr0ng-pw');
    } finally {
      await good.close();
      await bad.close();
      await smtp.close();
    }
  });
});

describe('RedisRateLimiter', () => {
  it("spaces tokens evenly across separate processes' connections", async () => {
    const key = uniqueName('rate-test');
    const a = new Redis(REDIS_URL);
    const b = new Redis(REDIS_URL);
    try {
      const limiters = [
        new RedisRateLimiter(a, { key, perSecond: 50 }),
        new RedisRateLimiter(b, { key, perSecond: 50 }),
      ];
      await Promise.all([a.ping(), b.ping()]);
      const started = Date.now();
      const times: number[] = [];
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          limiters[i % 2]!.take().then(() => times.push(Date.now() - started)),
        ),
      );
      times.sort((x, y) => x - y);
      // 40 tokens at 50/s: the last is due 780 ms after the first.
      expect(times.at(-1)!).toBeGreaterThanOrEqual(760);
      expect(times.at(-1)!).toBeLessThan(1_500);
      for (let i = 10; i < times.length; i += 1)
        expect(times[i]! - times[i - 10]!).toBeGreaterThanOrEqual(170);
    } finally {
      await a.del(key);
      a.disconnect();
      b.disconnect();
    }
  });

  it('stops waiting when the signal aborts', async () => {
    const key = uniqueName('rate-test');
    const redis = new Redis(REDIS_URL);
    try {
      const limiter = new RedisRateLimiter(redis, { key, perSecond: 1 });
      await limiter.take();
      const controller = new AbortController();
      const waiting = limiter.take(controller.signal);
      setTimeout(() => controller.abort(new Error('stop')), 50);
      await expect(waiting).rejects.toThrow('stop');
    } finally {
      await redis.del(key);
      redis.disconnect();
    }
  });
});
