import {
  ContinueLater,
  MAX_DELAY_SECONDS,
  PermanentError,
  RetryableError,
  outcomeOfThrow,
} from '../src';

const policy = { maxRetries: 3, backoffSeconds: 2, backoffMaxSeconds: 60, jitter: false };
const at = { retries: 0, continuations: 0, policy, maxContinuations: 20 };

describe('outcomeOfThrow', () => {
  it('continues later without spending a retry, with whole-second delays in reach', () => {
    const pause = (afterSeconds?: number) =>
      new ContinueLater('paused at 500', {
        ...(afterSeconds === undefined ? {} : { afterSeconds }),
        progress: { sent: 500 },
      });
    expect(outcomeOfThrow(pause(1.2), { ...at, retries: 3 })).toEqual({
      kind: 'continue',
      reason: 'paused at 500',
      delaySeconds: 2,
      progress: { sent: 500 },
    });
    expect(outcomeOfThrow(pause(), at)).toMatchObject({ kind: 'continue', delaySeconds: 0 });
    expect(outcomeOfThrow(pause(-5), at)).toMatchObject({ delaySeconds: 0 });
    expect(outcomeOfThrow(pause(Number.NaN), at)).toMatchObject({ delaySeconds: 0 });
    expect(outcomeOfThrow(pause(1e12), at)).toMatchObject({ delaySeconds: MAX_DELAY_SECONDS });
    expect(new ContinueLater('x')).toMatchObject({ afterSeconds: 0, progress: {} });
  });

  it('gives up on the continuation past the bound', () => {
    expect(outcomeOfThrow(new ContinueLater('more'), { ...at, continuations: 19 })).toMatchObject({
      kind: 'continue',
    });
    expect(outcomeOfThrow(new ContinueLater('more'), { ...at, continuations: 20 })).toMatchObject({
      kind: 'dead',
      code: 'too_many_continuations',
      error: { type: 'RuntimeError', module: 'builtins' },
    });
  });

  it('retries a retryable error with backoff, and a Retry-After capped at the delay levels', () => {
    expect(outcomeOfThrow(new RetryableError('busy', 'busy'), { ...at, retries: 1 })).toMatchObject(
      { kind: 'retry', code: 'busy', delaySeconds: 4 },
    );
    const later = new RetryableError('throttled', 'http_429', { retryAfterSeconds: 0.2 });
    expect(outcomeOfThrow(later, at)).toMatchObject({ kind: 'retry', delaySeconds: 1 });
    const year = new RetryableError('go away', 'http_429', { retryAfterSeconds: 1e10 });
    expect(outcomeOfThrow(year, at)).toMatchObject({ delaySeconds: MAX_DELAY_SECONDS });
  });

  it('gives up on a permanent error at once, and on a retryable one when retries run out', () => {
    expect(outcomeOfThrow(new PermanentError('no', 'declined'), at)).toMatchObject({
      kind: 'dead',
      code: 'declined',
      reason: 'permanent error: no',
    });
    expect(outcomeOfThrow(new Error('boom'), { ...at, retries: 3 })).toMatchObject({
      kind: 'dead',
      code: 'unexpected',
      reason: 'gave up after 4 attempts: boom',
    });
  });
});
