import {
  PermanentError,
  RetryableError,
  TimeLimitExceededError,
  classifyError,
} from '../src/errors';

describe('classifyError', () => {
  it('trusts burrow errors, keeping a provider Retry-After', () => {
    expect(classifyError(new PermanentError('bad VIN', 'vin'))).toEqual({
      retryable: false,
      code: 'vin',
      retryAfterSeconds: null,
    });
    expect(
      classifyError(new RetryableError('busy', 'http_429', { retryAfterSeconds: 30 })),
    ).toEqual({ retryable: true, code: 'http_429', retryAfterSeconds: 30 });
    expect(classifyError(new TimeLimitExceededError(5))).toMatchObject({
      retryable: true,
      code: 'time_limit',
    });
  });

  it.each([
    [
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      true,
      'ECONNREFUSED',
    ],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true, 'ECONNRESET'],
    [
      Object.assign(new Error('headers timeout'), { code: 'UND_ERR_HEADERS_TIMEOUT' }),
      true,
      'UND_ERR_HEADERS_TIMEOUT',
    ],
    [Object.assign(new Error('451 try later'), { responseCode: 451 }), true, 'smtp_451'],
    [Object.assign(new Error('550 no such user'), { responseCode: 550 }), false, 'smtp_550'],
    [Object.assign(new Error('Too Many Requests'), { statusCode: 429 }), true, 'http_429'],
    [Object.assign(new Error('Bad Gateway'), { statusCode: 502 }), true, 'http_502'],
    [Object.assign(new Error('invalid token'), { statusCode: 400 }), false, 'http_400'],
    [new TypeError('x is undefined'), true, 'unexpected'],
  ])('classifies %s', (error, retryable, code) => {
    expect(classifyError(error)).toEqual({ retryable, code, retryAfterSeconds: null });
  });
});
