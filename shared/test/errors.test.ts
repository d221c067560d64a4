import {
  PermanentError,
  RetryableError,
  TimeLimitExceededError,
  classifyError,
} from '../src/errors';
import { pythonExceptionForCode, pythonExceptionOf } from '../src/python-exceptions';

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
    [new TypeError('x is undefined'), true, 'unexpected'],
    // A provider's own error fields mean nothing here: its adapter must translate them.
    [Object.assign(new Error('550 no such user'), { responseCode: 550 }), true, 'unexpected'],
    [Object.assign(new Error('invalid token'), { statusCode: 400 }), true, 'unexpected'],
  ])('classifies %s', (error, retryable, code) => {
    expect(classifyError(error)).toEqual({ retryable, code, retryAfterSeconds: null });
  });
});

describe('Python exception names', () => {
  it.each([
    [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      'builtins',
      'ConnectionRefusedError',
    ],
    [
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      'builtins',
      'ConnectionResetError',
    ],
    [
      Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND' }),
      'socket',
      'gaierror',
    ],
    [new RetryableError('backend answered 503', 'http_503'), 'requests.exceptions', 'HTTPError'],
    [new PermanentError('bad address', 'invalid_address'), 'builtins', 'ValueError'],
    [
      new PermanentError('refused', 'smtp_550', {
        excType: 'SMTPRecipientsRefused',
        excModule: 'smtplib',
      }),
      'smtplib',
      'SMTPRecipientsRefused',
    ],
    [new TimeLimitExceededError(5), 'billiard.exceptions', 'TimeLimitExceeded'],
    [new PermanentError('no idea', 'vin'), 'builtins', 'Exception'],
    [new RangeError('out of range'), 'builtins', 'ValueError'],
    ['a string', 'builtins', 'Exception'],
  ])('names %s as %s.%s', (error, module, type) => {
    expect(pythonExceptionOf(error)).toEqual({ type, module });
  });

  it('names codes from one table, families of codes by prefix', () => {
    expect(pythonExceptionForCode('schema')).toEqual({ type: 'ValueError', module: 'builtins' });
    expect(pythonExceptionForCode('http_404')).toEqual({
      type: 'HTTPError',
      module: 'requests.exceptions',
    });
    // A provider's own codes are named by its adapter, not here.
    expect(pythonExceptionForCode('smtp_421')).toBeNull();
    expect(pythonExceptionForCode('something_else')).toBeNull();
  });
});
