import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import {
  ConfigError,
  RetryableError,
  connectRedis,
  createLogger,
  loadConfigFragment,
} from '@burrow/shared';
import { fakeContext } from '../../../testing/fake-context';
import { REDIS_URL, uniqueName } from '../../../testing/stack';
import { cleanupConfig } from '../../src/cleanup/config';
import { dailyMaintenance } from '../../src/cleanup/daily-maintenance';
import { HealthSnapshots } from '../../src/cleanup/health-snapshot';
import type { CleanupServices } from '../../src/cleanup/services';
import type { SweepFs } from '../../src/cleanup/sweep';
import { BackendClient } from '../../src/providers/backend-client';
import { FilesInUse } from '../../src/providers/files-in-use';
import { HOUR, tempTree } from './tree';

/** Each maintenance step within its own time budget, against a backend that can hang. */
describe('daily_maintenance_task: step budgets and the step list', () => {
  let server: http.Server;
  let backend: BackendClient;
  let hang = false;
  let aborted = 0;
  let redis: Redis;
  let tree: Awaited<ReturnType<typeof tempTree>>;
  const prefix = `${uniqueName('budgets')}:`;

  const services = (env: Record<string, string>, fs?: SweepFs): CleanupServices => ({
    backend,
    probes: { rabbitmq: () => Promise.resolve(), redis: () => Promise.resolve() },
    settings: loadConfigFragment(cleanupConfig, {
      CLEANUP_LOG_DIRS: '',
      CLEANUP_TEMP_DIRS: tree.dir,
      BACKEND_HEALTH_PATHS: '/health/redis',
      HEALTH_CHECK_SMTP: 'false',
      HEALTH_DISK_DIRS: '',
      ...env,
    }),
    health: new HealthSnapshots(redis, { keyPrefix: prefix, ttlSeconds: 60 }),
    filesInUse: new FilesInUse(redis, { keyPrefix: prefix }),
    now: Date.now,
    close: () => Promise.resolve(),
    ...(fs ? { fs } : {}),
  });

  beforeAll(async () => {
    redis = await connectRedis(
      REDIS_URL,
      'client',
      createLogger({ service: 'test', silent: true }),
    );
    server = http.createServer((req, res) => {
      if (req.method === 'POST' && hang) {
        // Never answers; counts the client giving up.
        req.socket.once('close', () => (aborted += 1));
        return;
      }
      res.writeHead(req.method === 'POST' ? 202 : 200).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    backend = new BackendClient({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      timeoutSeconds: 30,
      apiKey: '',
    });
  });
  afterAll(async () => {
    await redis.del(`${prefix}burrow-health-latest`);
    redis.disconnect();
    await backend.close();
    server.closeAllConnections();
    server.close();
  });
  beforeEach(async () => {
    hang = false;
    aborted = 0;
    tree = await tempTree();
    await tree.file('old.tmp', 48 * HOUR, 5);
  });
  afterEach(() => tree.remove());

  it('aborts a backup past its budget, reports it timed out, runs the rest, then fails retryably', async () => {
    hang = true;
    const ctx = fakeContext({
      services: services({ MAINTENANCE_STEP_TIMEOUTS: 'database_backup=0.3' }),
    });
    const failure = await dailyMaintenance({}, ctx).then(
      () => null,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(RetryableError);
    expect(failure).toMatchObject({ code: 'timeout' });
    // The request was aborted by the step's signal, not left open.
    expect(aborted).toBe(1);
    expect(await tree.exists('old.tmp')).toBe(false);
    expect(ctx.lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        fields: expect.objectContaining({
          steps:
            'database_backup=timed_out,temp_files=ok,old_logs=ok,dead_letters=skipped,health_check=ok',
        }),
      }),
    );
  });

  it('leaves behind a step that ignores its signal, and the next steps still run', async () => {
    const stuck: SweepFs = {
      ...(await import('node:fs/promises')),
      opendir: () => new Promise(() => undefined), // never settles, whatever the signal says
    };
    const ctx = fakeContext({
      services: services({ MAINTENANCE_STEP_TIMEOUTS: 'temp_files=0.3, old_logs=5' }, stuck),
    });
    const started = Date.now();
    const result = await dailyMaintenance({}, ctx);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.steps.temp_files).toMatchObject({
      status: 'timed_out',
      detail: 'timed out after its 0.3 s budget',
    });
    expect(result.steps.temp_files?.duration_ms).toBeGreaterThanOrEqual(290);
    expect(result.steps.database_backup).toMatchObject({ status: 'ok' });
    expect(result.steps.old_logs).toMatchObject({ status: 'ok' });
    expect(result.steps.health_check).toMatchObject({ status: 'ok' });
  });

  it('runs the configured steps in the configured order', async () => {
    const result = await dailyMaintenance(
      {},
      fakeContext({ services: services({ MAINTENANCE_STEPS: 'health_check, temp_files' }) }),
    );
    expect(Object.keys(result.steps)).toEqual(['health_check', 'temp_files']);
  });

  it('skips dead-letter pruning when DEAD_LETTER_MAX_AGE_DAYS is 0', async () => {
    const result = await dailyMaintenance(
      {},
      fakeContext({
        services: services({ MAINTENANCE_STEPS: 'dead_letters', DEAD_LETTER_MAX_AGE_DAYS: '0' }),
      }),
    );
    expect(result.steps.dead_letters).toMatchObject({
      status: 'skipped',
      detail: { reason: 'DEAD_LETTER_MAX_AGE_DAYS is 0' },
    });
  });

  it('defaults the budgets inside the soft time limit, and refuses bad step settings', () => {
    const { stepBudgetsMs, maintenanceSteps } = loadConfigFragment(cleanupConfig, {
      MAINTENANCE_STEP_TIMEOUTS: 'health_check=30',
    });
    expect(maintenanceSteps).toEqual([
      'database_backup',
      'temp_files',
      'old_logs',
      'dead_letters',
      'health_check',
    ]);
    expect(stepBudgetsMs.health_check).toBe(30_000);
    expect(Object.values(stepBudgetsMs).reduce((a, b) => a + b, 0)).toBeLessThan(1380_000);
    for (const [name, value, message] of [
      ['MAINTENANCE_STEPS', 'temp_files,vacuum', /MAINTENANCE_STEPS: unknown step "vacuum"/],
      ['MAINTENANCE_STEPS', 'temp_files,temp_files', /MAINTENANCE_STEPS: a step is named twice/],
      ['MAINTENANCE_STEP_TIMEOUTS', 'vacuum=3', /MAINTENANCE_STEP_TIMEOUTS: unknown step/],
      ['MAINTENANCE_STEP_TIMEOUTS', 'old_logs=0', /positive number of seconds/],
      ['MAINTENANCE_STEP_TIMEOUTS', 'old_logs', /positive number of seconds/],
    ] as const) {
      const load = () => loadConfigFragment(cleanupConfig, { [name]: value });
      expect(load).toThrow(ConfigError);
      expect(load).toThrow(message);
    }
  });
});
