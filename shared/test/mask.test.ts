import { maskText, maskValue } from '../src/logging/mask';

describe('masking personal data and secrets', () => {
  it('masks e-mail addresses, phone numbers and URL passwords in text', () => {
    expect(maskText('sent to john.doe@example.com ok')).toBe('sent to j***@example.com ok');
    expect(maskText('sms to +380501234567')).toBe('sms to +*********567');
    expect(maskText('amqp://user:hunter2@mq:5672/')).toBe('amqp://user:***@mq:5672/');
  });

  it('drops values under secret-looking keys, recursively', () => {
    expect(
      maskValue({ password: 'x', nested: { api_key: 'k', to: 'a@b.io' }, list: ['c@d.org'] }),
    ).toEqual({
      password: '***',
      nested: { api_key: '***', to: 'a***@b.io' },
      list: ['c***@d.org'],
    });
  });
});
