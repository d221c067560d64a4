import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { RetryableError, connectRedis, createLogger, loadConfigFragment } from '@burrow/shared';
import { fakeContext } from '../../../testing/fake-context';
import { cleanupConfig, type CleanupConfig } from '../../src/cleanup/config';
import { dailyMaintenance } from '../../src/cleanup/daily-maintenance';
import { HealthSnapshots } from '../../src/cleanup/health-snapshot';
import type { CleanupServices } from '../../src/cleanup/services';
import { BackendClient } from '../../src/providers/backend-client';
import { FilesInUse } from '../../src/providers/files-in-use';
import { REDIS_URL, uniqueName } from '../../../testing/stack';
import { HOUR, tempTree } from './tree';

describe('daily_maintenance_task', () => {
  let server: http.Server;
  let backend: BackendClient;
  let backupStatus = 202;
  const posted: { url: string; key: string | undefined }[] = [];
  let tree: Awaited<ReturnType<typeof tempTree>>;
  let redis: Redis;
  const prefix = uniqueName('maintenance-test');

  const services = (settings: Partial<CleanupConfig> = {}): CleanupServices => ({
    backend,
    probes: { rabbitmq: () => Promise.resolve(), redis: () => Promise.resolve() },
    settings: {
      ...loadConfigFragment(cleanupConfig, { CLEANUP_LOG_DIRS: '', HEALTH_CHECK_SMTP: 'false' }),
      backendHealthPaths: ['/health/redis'],
      tempDirs: [tree.dir],
      ...settings,
    },
    health: new HealthSnapshots(redis, { keyPrefix: `${prefix}:`, ttlSeconds: 60 }),
    filesInUse: new FilesInUse(redis, { keyPrefix: `${prefix}:` }),
    now: Date.now,
    close: () => Promise.resolve(),
  });

  beforeAll(async () => {
    redis = await connectRedis(
      REDIS_URL,
      'client',
      createLogger({ service: 'test', silent: true }),
    );
    server = http.createServer((req, res) => {
      if (req.method === 'POST') {
        posted.push({ url: req.url ?? '', key: req.headers['idempotency-key'] as string });
        res.writeHead(backupStatus).end('{}');
      } else res.writeHead(200).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    backend = new BackendClient({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      timeoutSeconds: 2,
      apiKey: '',
    });
  });
  afterAll(async () => {
    await redis.del(`${prefix}:burrow-health-latest`);
    redis.disconnect();
    await backend.close();
    server.close();
  });
  beforeEach(async () => {
    posted.length = 0;
    tree = await tempTree();
    await tree.file('old.tmp', 48 * HOUR, 5);
  });
  afterEach(() => tree.remove());

  it('triggers the backup, sweeps, checks health, and reports each step', async () => {
    backupStatus = 202;
    const ctx = fakeContext({ services: services() });
    const result = await dailyMaintenance({}, ctx);
    expect(posted).toEqual([
      { url: '/internal/maintenance/db-backup', key: `${ctx.taskId}:database_backup` },
    ]);
    expect(Object.keys(result.steps)).toEqual([
      'database_backup',
      'temp_files',
      'old_logs',
      'dead_letters',
      'health_check',
    ]);
    expect(result.steps.database_backup).toMatchObject({
      status: 'ok',
      detail: { status_code: 202 },
    });
    expect(result.steps.temp_files).toMatchObject({ status: 'ok', detail: { deleted_files: 1 } });
    expect(result.steps.health_check).toMatchObject({
      status: 'ok',
      detail: { status: 'healthy', results: { '/health/redis': 200 } },
    });
  });

  it('skips the backup when no path is set', async () => {
    const result = await dailyMaintenance(
      {},
      fakeContext({ services: services({ maintenancePath: '' }) }),
    );
    expect(posted).toEqual([]);
    expect(result.steps.database_backup).toMatchObject({ status: 'skipped' });
  });

  it("fails with the backup step's retryable error, after running the other steps", async () => {
    backupStatus = 503;
    const ctx = fakeContext({ services: services() });
    await expect(dailyMaintenance({}, ctx)).rejects.toBeInstanceOf(RetryableError);
    expect(await tree.exists('old.tmp')).toBe(false);
    expect(ctx.lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        fields: expect.objectContaining({
          steps:
            'database_backup=failed,temp_files=ok,old_logs=ok,dead_letters=skipped,health_check=ok',
        }),
      }),
    );
  });

  it('reports a sweep error inside its step, which does not fail the task', async () => {
    backupStatus = 202;
    const ctx = fakeContext({
      services: {
        ...services(),
        fs: {
          ...(await import('node:fs/promises')),
          realpath: () => Promise.reject(Object.assign(new Error('boom'), { code: 'EIO' })),
        },
      },
    });
    const result = await dailyMaintenance({}, ctx);
    expect(result.steps.temp_files).toMatchObject({
      status: 'ok',
      detail: { errors: [{ path: tree.dir, error: 'EIO: boom' }] },
    });
  });
});
