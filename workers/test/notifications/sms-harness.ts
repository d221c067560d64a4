import type { Redis } from 'ioredis';
import { connectRedis, createLogger, loadConfigFragment } from '@burrow/shared';
import type { FakeTwilio } from '../../../testing/fake-twilio';
import { REDIS_URL, uniqueName } from '../../../testing/stack';
import { notificationsConfig } from '../../src/notifications/config';
import { BackendClient } from '../../src/providers/backend-client';
import {
  createNotificationServices,
  type NotificationServices,
} from '../../src/notifications/services';
import { TwilioHttpClient } from '../../src/notifications/twilio-http-client';

export { fakeContext } from '../../../testing/fake-context';

export const ACCOUNT_SID = 'AC00000000000000000000000000000001';
export const FROM = '+15005550006';

/** Handler-test services: the real SDK against the fake, real Redis under a unique key prefix. */
export interface SmsHarness {
  readonly redis: Redis;
  readonly prefix: string;
  /** Services built by the family's own factory from these TWILIO_* variables. */
  services(env?: Record<string, string>): Promise<NotificationServices>;
  close(): Promise<void>;
}

export async function smsHarness(fake: FakeTwilio): Promise<SmsHarness> {
  const logger = createLogger({ service: 'test', silent: true });
  const redis = await connectRedis(REDIS_URL, 'worker', logger);
  const prefix = `${uniqueName('sms-test')}:`;
  const opened: NotificationServices[] = [];
  // SMS tasks never call the backend or publish: both are unreachable stand-ins here.
  const backend = new BackendClient({ baseUrl: 'http://127.0.0.1:9', apiKey: '' });
  const tasks = {
    send: () => Promise.reject(new Error('SMS tasks publish nothing')),
  };
  const deps = { redis, keyPrefix: prefix, resultExpiresSeconds: 600, backend, tasks };
  return {
    redis,
    prefix,
    services: async (
      env = { TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: 'test-token', TWILIO_FROM: FROM },
    ) => {
      const config = loadConfigFragment(notificationsConfig, env);
      const httpClient = new TwilioHttpClient({ timeoutMs: 5_000, apiOrigin: fake.origin });
      const services = await createNotificationServices(config, deps, { httpClient });
      opened.push(services);
      return services;
    },
    close: async () => {
      for (const services of opened) await services.close();
      await backend.close();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    },
  };
}
