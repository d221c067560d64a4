import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfigFragment } from '@burrow/shared';
import { fakeServiceAccountJson } from '../../../testing/fake-fcm';
import { notificationsConfig } from '../../src/notifications/config';
import { classifyTokenError } from '../../src/notifications/fcm-errors';
import { multicastMessage } from '../../src/notifications/fcm-sender';
import { maskDeviceToken } from '../../src/notifications/device-token';

const load = (env: NodeJS.ProcessEnv) => loadConfigFragment(notificationsConfig, env);
const KEY = fakeServiceAccountJson('from-key');

describe('FCM configuration', () => {
  it('no FCM variable: push is off, the worker still starts', () => {
    expect(load({}).fcm).toBeNull();
  });

  it('the legacy FCM_SERVER_KEY alone refuses the start, saying what to set instead', () => {
    expect(() => load({ FCM_SERVER_KEY: 'AAAA-legacy' })).toThrow(ConfigError);
    expect(() => load({ FCM_SERVER_KEY: 'AAAA-legacy' })).toThrow(
      /FCM_SERVER_KEY is the legacy FCM API key.*FCM_CREDENTIALS_FILE.*FCM_CREDENTIALS_JSON.*FCM_PROJECT_ID/,
    );
  });

  it('beside a service-account key the legacy key is ignored', () => {
    expect(load({ FCM_SERVER_KEY: 'AAAA', FCM_CREDENTIALS_JSON: KEY }).fcm).toMatchObject({
      projectId: 'from-key',
    });
  });

  it('reads the key from FCM_CREDENTIALS_FILE, the project from the key unless FCM_PROJECT_ID says', () => {
    const dir = mkdtempSync(join(tmpdir(), 'burrow-fcm-'));
    const file = join(dir, 'sa.json');
    writeFileSync(file, KEY);
    const fcm = load({ FCM_CREDENTIALS_FILE: file }).fcm;
    expect(fcm).toMatchObject({
      projectId: 'from-key',
      source: `FCM_CREDENTIALS_FILE ${file}`,
      serviceAccount: { clientEmail: 'burrow@from-key.iam.gserviceaccount.com' },
    });
    expect(load({ FCM_CREDENTIALS_FILE: file, FCM_PROJECT_ID: 'other' }).fcm?.projectId).toBe(
      'other',
    );
  });

  it.each([
    [{ FCM_CREDENTIALS_FILE: '/nonexistent/sa.json' }, /cannot be read/],
    [{ FCM_CREDENTIALS_JSON: '{not json' }, /is not JSON/],
    [{ FCM_CREDENTIALS_JSON: '{"type":"authorized_user"}' }, /not a service-account key/],
    [{ FCM_CREDENTIALS_JSON: '{"type":"service_account"}' }, /lacks client_email and private_key/],
    [{ FCM_CREDENTIALS_JSON: KEY, FCM_CREDENTIALS_FILE: '/x' }, /not both/],
  ])('a bad credential fails the start: %j', (env, message) => {
    expect(() => load(env)).toThrow(message);
  });

  it('FCM_CREDENTIALS_JSON is sensitive: never printed with the configuration', () => {
    const schema = notificationsConfig.schema as { fcm: Record<string, { sensitive?: boolean }> };
    expect(schema.fcm.credentialsJson?.sensitive).toBe(true);
    expect(schema.fcm.serverKey?.sensitive).toBe(true);
  });
});

describe('FCM error classification', () => {
  it.each([
    ['messaging/registration-token-not-registered', 'invalid'],
    ['messaging/invalid-registration-token', 'invalid'],
    ['messaging/invalid-argument', 'permanent'],
    ['messaging/mismatched-credential', 'permanent'],
    ['messaging/third-party-auth-error', 'permanent'],
    ['messaging/message-rate-exceeded', 'transient'],
    ['messaging/server-unavailable', 'transient'],
    ['messaging/internal-error', 'transient'],
    ['messaging/something-new', 'transient'],
    ['app/network-error', 'transient'],
  ])('%s is %s', (code, kind) => {
    expect(classifyTokenError(Object.assign(new Error('x'), { code }))).toMatchObject({
      kind,
      code: code.replace(/^messaging\//, ''),
    });
  });
});

describe('multicastMessage', () => {
  it('puts collapse_key and ttl on every platform, under the caller overrides', () => {
    const now = new Date('2026-12-01T00:00:00Z');
    const message = multicastMessage(
      ['t1', 't2'],
      {
        title: 'T',
        body: 'B',
        image: 'https://cdn.example/car.jpg',
        data: { k: 'v' },
        collapseKey: 'price',
        ttlSeconds: 600,
        android: { priority: 'high' },
        apns: { headers: { 'apns-priority': '10' } },
      },
      now,
    );
    expect(message).toEqual({
      tokens: ['t1', 't2'],
      notification: { title: 'T', body: 'B', imageUrl: 'https://cdn.example/car.jpg' },
      data: { k: 'v' },
      android: { collapseKey: 'price', ttl: 600_000, priority: 'high' },
      apns: {
        headers: {
          'apns-collapse-id': 'price',
          'apns-expiration': String(Date.parse('2026-12-01T00:10:00Z') / 1000),
          'apns-priority': '10',
        },
      },
      webpush: { headers: { TTL: '600' } },
    });
  });

  it('a plain notification carries no platform blocks', () => {
    expect(multicastMessage(['t'], { title: 'T', body: 'B' })).toEqual({
      tokens: ['t'],
      notification: { title: 'T', body: 'B' },
    });
  });
});

it('device tokens show only their first and last four characters in logs', () => {
  expect(maskDeviceToken('fGx1APA91bHunVeryLongToken9zQk')).toBe('fGx1…9zQk');
  expect(maskDeviceToken('short')).toBe('…');
});
