import type { Redis } from 'ioredis';
import { connectRedis, createLogger } from '@burrow/shared';
import { REDIS_URL, uniqueName } from '../../../testing/stack';
import type { TestSmtpServer } from '../../../testing/smtp-server';
import { EmailState } from '../../src/email/email-state';
import { BackendClient } from '../../src/providers/backend-client';
import { UNLIMITED } from '../../src/providers/fleet-rate-limiter';
import { SmtpMailer, type Mailer } from '../../src/email/smtp-mailer';
import type { EmailServices, EmailSettings } from '../../src/email/services';

export { fakeContext } from '../../../testing/fake-context';

/** Handler-test services: real SMTP (the test server), real Redis under a unique key prefix. */
export interface EmailHarness {
  readonly redis: Redis;
  readonly prefix: string;
  readonly mailer: Mailer;
  readonly state: EmailState;
  services(
    overrides?: Partial<Omit<EmailServices, 'email'>> & { email?: Partial<EmailSettings> },
  ): EmailServices;
  close(): Promise<void>;
}

export async function emailHarness(
  smtp: TestSmtpServer,
  options: { backendUrl?: string; poolSize?: number } = {},
): Promise<EmailHarness> {
  const logger = createLogger({ service: 'test', silent: true });
  const redis = await connectRedis(REDIS_URL, 'worker', logger);
  const prefix = `${uniqueName('email-test')}:`;
  const mailer = new SmtpMailer({
    host: smtp.host,
    port: smtp.port,
    poolSize: options.poolSize ?? 3,
    timeoutSeconds: 5,
  });
  const state = new EmailState(redis, { keyPrefix: prefix, ttlSeconds: 600 });
  const backend = new BackendClient({
    baseUrl: options.backendUrl ?? 'http://127.0.0.1:1',
    apiKey: 'test-api-key',
    timeoutSeconds: 2,
  });
  return {
    redis,
    prefix,
    mailer,
    state,
    services: (overrides = {}) => ({
      backend,
      mailer,
      mailRate: UNLIMITED,
      emailState: state,
      close: () => Promise.resolve(),
      ...overrides,
      email: {
        from: 'Burrow <noreply@burrow.test>',
        messageIdDomain: 'mail.burrow.test',
        attachmentsDir: '',
        bulkConcurrency: 4,
        notifyPath: '/internal/notifications/',
        digestPath: '/internal/reports/daily-digest/trigger',
        ...overrides.email,
      },
    }),
    close: async () => {
      await mailer.close();
      await backend.close();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    },
  };
}
