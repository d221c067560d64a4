import net from 'node:net';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { ConfigError, connectRedis, createLogger, loadConfigFragment } from '@burrow/shared';
import { fakeContext } from '../../../testing/fake-context';
import { startTestSmtpServer, type TestSmtpServer } from '../../../testing/smtp-server';
import { REDIS_URL, uniqueName } from '../../../testing/stack';
import { cleanupConfig } from '../../src/cleanup/config';
import { HealthSnapshots } from '../../src/cleanup/health-snapshot';
import { probeSmtp } from '../../src/cleanup/health-probes';
import type { CleanupServices } from '../../src/cleanup/services';
import { systemHealthCheck } from '../../src/cleanup/system-health-check';
import { BackendClient } from '../../src/providers/backend-client';
import { FilesInUse } from '../../src/providers/files-in-use';
import { tempTree } from './tree';

/** The health check's SMTP probe, provider presence and disk space, read from env as a worker does. */
describe('system_health_check_task: SMTP, providers, disk', () => {
  let redis: Redis;
  let smtp: TestSmtpServer;
  let tree: Awaited<ReturnType<typeof tempTree>>;
  const prefix = `${uniqueName('health-extra')}:`;
  const backend = new BackendClient({
    baseUrl: 'http://127.0.0.1:1',
    apiKey: '',
    timeoutSeconds: 1,
  });

  beforeAll(async () => {
    redis = await connectRedis(
      REDIS_URL,
      'client',
      createLogger({ service: 'test', silent: true }),
    );
    smtp = await startTestSmtpServer();
    tree = await tempTree('burrow-health-');
  });
  afterAll(async () => {
    await redis.del(`${prefix}burrow-health-latest`);
    redis.disconnect();
    await smtp.close();
    await backend.close();
    await tree.remove();
  });
  afterEach(() => smtp.reset());

  /** Settings from env; no backend paths, the test SMTP server and the temp folder by default. */
  const services = (env: Record<string, string> = {}): CleanupServices => ({
    backend,
    probes: { rabbitmq: () => Promise.resolve(), redis: () => Promise.resolve() },
    settings: loadConfigFragment(cleanupConfig, {
      CLEANUP_LOG_DIRS: '',
      BACKEND_HEALTH_PATHS: '',
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      HEALTH_DISK_DIRS: tree.dir,
      HEALTH_MIN_FREE_DISK_MB: '1',
      HEALTH_MIN_FREE_DISK_PERCENT: '0',
      ...env,
    }),
    health: new HealthSnapshots(redis, { keyPrefix: prefix, ttlSeconds: 60 }),
    filesInUse: new FilesInUse(redis, { keyPrefix: prefix }),
    now: Date.now,
    close: () => Promise.resolve(),
  });
  const check = (env?: Record<string, string>) =>
    systemHealthCheck({}, fakeContext({ services: services(env) }));

  it('is healthy with SMTP greeting, disk space, and no push or SMS configured', async () => {
    const before = smtp.connections();
    const result = await check();
    expect(result.status).toBe('healthy');
    expect(result.checks.smtp).toMatchObject({ status: 'up' });
    expect(smtp.connections()).toBe(before + 1);
    expect(result.providers).toEqual({
      fcm: { status: 'not_configured' },
      twilio: { status: 'not_configured' },
    });
    expect(result.checks[`disk:${tree.dir}`]).toMatchObject({ status: 'up' });
    expect(result.disk?.[tree.dir]).toMatchObject({ status: 'ok', measured: tree.dir });
    expect(result.disk?.[tree.dir]?.free_mb).toBeGreaterThan(0);
    expect(
      await new HealthSnapshots(redis, { keyPrefix: prefix, ttlSeconds: 60 }).latest(),
    ).toEqual(result);
  });

  it('reports SMTP down: a refusing greeting, a closed port, a port that is not one', async () => {
    smtp.failConnections(1, 421);
    expect((await check()).checks.smtp).toMatchObject({
      status: 'down',
      error: expect.stringMatching(/^unexpected SMTP greeting: 421/),
    });
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await check({ SMTP_PORT: String(port) });
    expect(refused.status).toBe('degraded');
    expect(refused.checks.smtp).toMatchObject({
      status: 'down',
      error: expect.stringMatching(/ECONNREFUSED/),
    });
    // The email workers refuse this value at start; a cleanup worker starts and reports it.
    expect((await check({ SMTP_PORT: 'twenty-five' })).checks.smtp).toMatchObject({
      status: 'down',
      error: 'SMTP_PORT "twenty-five" is not a port',
    });
  });

  it('gives up on a server that never greets, within its budget', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = String((silent.address() as AddressInfo).port);
      await expect(
        probeSmtp({ host: '127.0.0.1', port, secure: false }, AbortSignal.timeout(200)),
      ).rejects.toThrow('no SMTP greeting in time');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('skips the SMTP probe when HEALTH_CHECK_SMTP is off', async () => {
    const before = smtp.connections();
    const result = await check({ HEALTH_CHECK_SMTP: 'false' });
    expect(result.checks.smtp).toBeUndefined();
    expect(smtp.connections()).toBe(before);
  });

  it('reports push and SMS configured, from presence only', async () => {
    const env = {
      // The key names its project: FCM_PROJECT_ID is not needed.
      FCM_CREDENTIALS_JSON: '{"type":"service_account","private_key":"secret-key"}',
      TWILIO_ACCOUNT_SID: 'AC123',
      TWILIO_API_KEY: 'SK123',
      TWILIO_API_SECRET: 'api-secret-value',
      TWILIO_MESSAGING_SERVICE_SID: 'MG123',
    };
    const result = await check(env);
    expect(result.providers).toEqual({
      fcm: { status: 'configured' },
      twilio: { status: 'configured' },
    });
    expect(result.status).toBe('healthy');
    // The values themselves are never kept.
    const settings = JSON.stringify(services(env).settings);
    expect(settings).not.toContain('secret-key');
    expect(settings).not.toContain('api-secret-value');
  });

  it('calls a half-configured provider incomplete, naming what is missing: degraded', async () => {
    const result = await check({
      FCM_PROJECT_ID: 'burrow-test',
      TWILIO_ACCOUNT_SID: 'AC123',
      TWILIO_API_KEY: 'SK123',
    });
    expect(result.providers).toEqual({
      fcm: { status: 'incomplete', missing: ['FCM_CREDENTIALS_FILE or FCM_CREDENTIALS_JSON'] },
      twilio: {
        status: 'incomplete',
        missing: [
          'TWILIO_AUTH_TOKEN or TWILIO_API_KEY with TWILIO_API_SECRET',
          'TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID',
        ],
      },
    });
    expect(result.status).toBe('degraded');
  });

  it('measures a folder not created yet at its parent, and calls a disk below the floor down', async () => {
    const missing = path.join(tree.dir, 'reports', 'not-yet');
    const result = await check({
      HEALTH_DISK_DIRS: `${missing},${tree.dir}`,
      HEALTH_MIN_FREE_DISK_MB: String(1024 * 1024 * 1024),
    });
    expect(result.disk?.[missing]).toMatchObject({ status: 'low', measured: tree.dir });
    expect(result.checks[`disk:${missing}`]).toMatchObject({
      status: 'down',
      error: expect.stringMatching(/^only \d+ MB \([\d.]+%\) free on /),
    });
    expect(result.status).toBe('degraded');
    const byPercent = await check({
      HEALTH_MIN_FREE_DISK_MB: '0',
      HEALTH_MIN_FREE_DISK_PERCENT: '100',
    });
    expect(byPercent.disk?.[tree.dir]).toMatchObject({ status: 'low' });
  });

  it('defaults to the report, import and log folders, and refuses a percentage over 100', () => {
    const config = loadConfigFragment(cleanupConfig, {});
    expect(config.health.diskDirs).toEqual(['reports', 'imports', 'logs']);
    expect(config.health.minFreeDiskMb).toBe(500);
    expect(config.health.smtp).toEqual({ host: 'localhost', port: '1025', secure: false });
    const load = () => loadConfigFragment(cleanupConfig, { HEALTH_MIN_FREE_DISK_PERCENT: '150' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/HEALTH_MIN_FREE_DISK_PERCENT/);
  });
});
