import type { Redis } from 'ioredis';
import { connectRedis, createLogger, type TaskContext } from '@burrow/shared';
import { REDIS_URL, uniqueName } from '../../../testing/stack';
import type { TestSmtpServer } from '../../../testing/smtp-server';
import { EmailState } from '../../src/email/email-state';
import { BackendClient } from '../../src/providers/backend-client';
import { UNLIMITED } from '../../src/providers/fleet-rate-limiter';
import { SmtpMailer, type Mailer } from '../../src/providers/smtp-mailer';
import type { EmailSettings, WorkerServices } from '../../src/services';

/** Handler-test services: real SMTP (the test server), real Redis under a unique key prefix. */
export interface EmailHarness {
  readonly redis: Redis;
  readonly prefix: string;
  readonly mailer: Mailer;
  readonly state: EmailState;
  services(
    overrides?: Partial<WorkerServices> & { email?: Partial<EmailSettings> },
  ): WorkerServices;
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
      probes: { rabbitmq: () => Promise.resolve(), redis: () => Promise.resolve() },
      settings: { backendHealthPaths: [] },
      mailer,
      mailRate: UNLIMITED,
      emailState: state,
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

export interface FakeContext extends TaskContext<WorkerServices> {
  readonly progress: Record<string, unknown>[];
  readonly lines: { level: string; message: string; meta: unknown }[];
}

/** A TaskContext as the engine builds one, with progress and log lines captured. */
export function fakeContext(
  services: WorkerServices,
  options: { taskId?: string; retries?: number; maxRetries?: number; signal?: AbortSignal } = {},
): FakeContext {
  const progress: Record<string, unknown>[] = [];
  const lines: FakeContext['lines'] = [];
  const logger = createLogger({ service: 'test', silent: true });
  for (const level of ['error', 'warn', 'info', 'debug'] as const) {
    (logger as unknown as Record<string, unknown>)[level] = (message: string, meta: unknown) => {
      lines.push({ level, message, meta });
      return logger;
    };
  }
  (logger as unknown as { child: () => unknown }).child = () => logger;
  return {
    taskId: options.taskId ?? uniqueName('task'),
    taskName: 'test',
    queue: 'email',
    retries: options.retries ?? 0,
    maxRetries: options.maxRetries ?? 3,
    signal: options.signal ?? new AbortController().signal,
    logger,
    services,
    progress,
    lines,
    reportProgress: (p) => {
      progress.push({ ...p });
      return Promise.resolve();
    },
  };
}
