import { ConfigError, PermanentError, RetryableError, loadConfigFragment } from '@burrow/shared';
import { notificationsConfig } from '../../src/notifications/config';
import { retryAfterSeconds, twilioTaskError } from '../../src/notifications/twilio-errors';

const rest = (status: number, code?: number, headers: Record<string, string> = {}) =>
  Object.assign(new Error('Twilio says no'), { status, code, headers });

describe('twilioTaskError', () => {
  it.each([
    [400, 21211, 'twilio_21211'],
    [400, 21610, 'twilio_21610'],
    [401, 20003, 'twilio_20003'],
    [404, undefined, 'twilio_http_404'],
  ])('HTTP %i code %s is permanent as %s', (status, code, expected) => {
    const error = twilioTaskError(rest(status, code));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({
      code: expected,
      excType: 'TwilioRestException',
      excModule: 'twilio.base.exceptions',
    });
  });

  it.each([
    [429, 20429, 'twilio_20429'],
    [500, undefined, 'twilio_http_500'],
    [503, 20503, 'twilio_20503'],
  ])('HTTP %i code %s is retryable as %s', (status, code, expected) => {
    const error = twilioTaskError(rest(status, code, { 'retry-after': '3' }));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ code: expected, retryAfterSeconds: 3 });
  });

  it('a network error is retryable under its Node code and named by it', () => {
    const error = twilioTaskError(
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    );
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ code: 'ECONNRESET', excType: 'ConnectionResetError' });
  });

  it('anything else is retryable as twilio_unexpected', () => {
    expect(twilioTaskError(new Error('boom'))).toMatchObject({
      retryable: true,
      code: 'twilio_unexpected',
      excType: 'TwilioException',
    });
  });
});

describe('retryAfterSeconds', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads delta-seconds and HTTP dates, capped at an hour', () => {
    expect(retryAfterSeconds('12', now)).toBe(12);
    expect(retryAfterSeconds('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30);
    expect(retryAfterSeconds('999999', now)).toBe(3600);
  });
  it('ignores absent, unreadable and past values', () => {
    expect(retryAfterSeconds(null, now)).toBeNull();
    expect(retryAfterSeconds('soon', now)).toBeNull();
    expect(retryAfterSeconds('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBeNull();
  });
});

describe('the notifications config fragment', () => {
  const load = (env: Record<string, string>) => loadConfigFragment(notificationsConfig, env);

  it('no TWILIO_* credential: SMS off, with what it would need', () => {
    const config = load({});
    expect(config.twilio).toBeNull();
    expect(config.missing.join(' ')).toMatch(/TWILIO_ACCOUNT_SID.*TWILIO_AUTH_TOKEN.*TWILIO_FROM/);
    expect(config.ratePerSecond).toBe(0);
  });

  it('a complete account with an auth token and a sender', () => {
    expect(
      load({ TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't', TWILIO_FROM: '+15005550006' })
        .twilio,
    ).toEqual({
      accountSid: 'AC1',
      credentials: { kind: 'auth_token', authToken: 't' },
      sender: { kind: 'from', from: '+15005550006' },
      statusCallbackUrl: '',
    });
  });

  it.each([
    [{ TWILIO_AUTH_TOKEN: 't', TWILIO_FROM: '+1' }, /TWILIO_ACCOUNT_SID is required/],
    [{ TWILIO_ACCOUNT_SID: 'AC1', TWILIO_FROM: '+1' }, /TWILIO_AUTH_TOKEN, or both/],
    [{ TWILIO_ACCOUNT_SID: 'AC1', TWILIO_API_KEY: 'SK1', TWILIO_FROM: '+1' }, /TWILIO_API_SECRET/],
    [{ TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't' }, /TWILIO_FROM or TWILIO_MESSAGING/],
    [
      {
        TWILIO_ACCOUNT_SID: 'AC1',
        TWILIO_AUTH_TOKEN: 't',
        TWILIO_API_KEY: 'SK1',
        TWILIO_FROM: '+1',
      },
      /not both/,
    ],
    [
      {
        TWILIO_ACCOUNT_SID: 'AC1',
        TWILIO_AUTH_TOKEN: 't',
        TWILIO_FROM: '+1',
        TWILIO_MESSAGING_SERVICE_SID: 'MG1',
      },
      /not both/,
    ],
  ])('a half-configured account fails the start: %j', (env, message) => {
    expect(() => load(env)).toThrow(ConfigError);
    expect(() => load(env)).toThrow(message);
  });

  it('a bad TWILIO_RATE_PER_SECOND or TWILIO_STATUS_CALLBACK_URL names the variable', () => {
    expect(() => load({ TWILIO_RATE_PER_SECOND: 'fast' })).toThrow(/TWILIO_RATE_PER_SECOND/);
    expect(() => load({ TWILIO_STATUS_CALLBACK_URL: 'not a url' })).toThrow(
      /TWILIO_STATUS_CALLBACK_URL/,
    );
  });
});
