import { sendSmsTask } from '@burrow/contracts';
import { PermanentError, RetryableError, maskValue } from '@burrow/shared';
import { startFakeTwilio, type FakeTwilio } from '../../../testing/fake-twilio';
import { sendSms } from '../../src/notifications/send-sms';
import { ACCOUNT_SID, FROM, fakeContext, smsHarness, type SmsHarness } from './sms-harness';

const TO = '+14155550123';
const BODY = 'Your code is 123456';

describe('send_sms_task against the fake Twilio, through the real SDK', () => {
  let fake: FakeTwilio;
  let harness: SmsHarness;

  beforeAll(async () => {
    fake = await startFakeTwilio();
    harness = await smsHarness(fake);
  });
  afterAll(async () => {
    await harness.close();
    await fake.close();
  });

  const context = async (options: { taskId?: string; env?: Record<string, string> } = {}) =>
    fakeContext({
      services: await harness.services(options.env),
      taskName: sendSmsTask.name,
      queue: 'notifications',
      ...(options.taskId ? { taskId: options.taskId } : {}),
    });

  it('sends the message and returns the SID, recorded under the task id', async () => {
    const ctx = await context();
    const result = await sendSms({ phone_number: TO, message: BODY }, ctx);
    expect(result).toEqual({
      sid: expect.stringMatching(/^SM[0-9a-f]{32}$/),
      status: 'queued',
      segments: 1,
    });
    const [request] = fake.requests.filter((r) => r.sid === result.sid);
    expect(request).toMatchObject({
      accountSid: ACCOUNT_SID,
      user: ACCOUNT_SID,
      params: { To: TO, From: FROM, Body: BODY },
    });
    const key = `${harness.prefix}burrow-sms-${ctx.taskId}`;
    expect(JSON.parse((await harness.redis.get(key)) ?? 'null')).toEqual({
      sid: result.sid,
      status: 'queued',
    });
    const ttl = await harness.redis.ttl(key);
    expect(ttl).toBeGreaterThan(500);
    expect(ttl).toBeLessThanOrEqual(600);
  });

  it('a redelivered task whose SID is recorded returns it without calling Twilio again', async () => {
    const first = await context();
    const sent = await sendSms({ phone_number: TO, message: BODY }, first);
    const before = fake.requests.length;
    const again = await context({ taskId: first.taskId });
    const result = await sendSms({ phone_number: TO, message: BODY }, again);
    expect(result).toEqual({ sid: sent.sid, status: sent.status });
    expect(fake.requests.length).toBe(before);
    expect(again.lines.map((l) => l.message)).toContain('sms already sent by an earlier attempt');
  });

  it('an invalid number (400, code 21211) is a permanent TwilioRestException', async () => {
    const to = '+15005550001';
    fake.fail({ status: 400, code: 21211, message: `The 'To' number ${to} is not valid`, to });
    const ctx = await context();
    const error = await sendSms({ phone_number: to, message: BODY }, ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({
      code: 'twilio_21211',
      excType: 'TwilioRestException',
      excModule: 'twilio.base.exceptions',
    });
    expect(await harness.redis.get(`${harness.prefix}burrow-sms-${ctx.taskId}`)).toBeNull();
  });

  it('an opted-out recipient (400, code 21610) is permanent', async () => {
    const to = '+15005550009';
    fake.fail({
      status: 400,
      code: 21610,
      message: 'Attempt to send to unsubscribed recipient',
      to,
    });
    const error = await sendSms({ phone_number: to, message: BODY }, await context()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).code).toBe('twilio_21610');
  });

  it('429 with Retry-After is retryable after the delay Twilio asked for', async () => {
    const to = '+15005550010';
    fake.fail({ status: 429, code: 20429, message: 'Too Many Requests', retryAfter: '7', to });
    const error = await sendSms({ phone_number: to, message: BODY }, await context()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ code: 'twilio_20429', retryAfterSeconds: 7 });
  });

  it('a 503 without a Twilio code is retryable under its HTTP status', async () => {
    const to = '+15005550011';
    fake.fail({ status: 503, to });
    const error = await sendSms({ phone_number: to, message: BODY }, await context()).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ code: 'twilio_http_503', retryAfterSeconds: null });
  });

  it('with an API key and a Messaging Service, signs with the key and lets the service pick the sender', async () => {
    const ctx = await context({
      env: {
        TWILIO_ACCOUNT_SID: ACCOUNT_SID,
        TWILIO_API_KEY: 'SK00000000000000000000000000000001',
        TWILIO_API_SECRET: 'key-secret',
        TWILIO_MESSAGING_SERVICE_SID: 'MG00000000000000000000000000000001',
        TWILIO_STATUS_CALLBACK_URL: 'https://backend.example/twilio/status',
      },
    });
    const result = await sendSms({ phone_number: TO, message: BODY }, ctx);
    const request = fake.requests.find((r) => r.sid === result.sid);
    expect(request?.user).toBe('SK00000000000000000000000000000001');
    expect(request?.accountSid).toBe(ACCOUNT_SID);
    expect(request?.params).toEqual({
      To: TO,
      Body: BODY,
      MessagingServiceSid: 'MG00000000000000000000000000000001',
      StatusCallback: 'https://backend.example/twilio/status',
    });
    expect(result.status).toBe('accepted');
  });

  it('without Twilio credentials fails permanently, naming the missing variables', async () => {
    const ctx = await context({ env: {} });
    const before = fake.requests.length;
    const error = await sendSms({ phone_number: TO, message: BODY }, ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ code: 'twilio_not_configured' });
    expect((error as Error).message).toMatch(/TWILIO_ACCOUNT_SID.*TWILIO_AUTH_TOKEN.*TWILIO_FROM/);
    expect(fake.requests.length).toBe(before);
  });

  it('logs the number masked (by the logger format) and never the message body', async () => {
    const to = '+15005550012';
    const ok = await context();
    await sendSms({ phone_number: TO, message: BODY }, ok);
    fake.fail({ status: 400, code: 21211, message: `The 'To' number ${to} is not valid`, to });
    const failed = await context();
    await sendSms({ phone_number: to, message: BODY }, failed).catch(() => undefined);
    const logged = JSON.stringify(maskValue([...ok.lines, ...failed.lines]));
    expect(logged).toContain('+********123');
    expect(logged).not.toContain(TO);
    expect(logged).not.toContain(to);
    expect(JSON.stringify([...ok.lines, ...failed.lines])).not.toContain(BODY);
  });

  it('a refused connection is retryable under its Node code', async () => {
    const closed = await startFakeTwilio();
    await closed.close();
    const refused = await smsHarness(closed);
    try {
      const ctx = fakeContext({ services: await refused.services() });
      const error = await sendSms({ phone_number: TO, message: BODY }, ctx).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RetryableError);
      expect(error).toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      await refused.close();
    }
  });
});
