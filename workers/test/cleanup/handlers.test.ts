import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { ConfigError, connectRedis, createLogger, loadConfigFragment } from '@burrow/shared';
import { fakeContext } from '../../../testing/fake-context';
import { cleanupOldLogs } from '../../src/cleanup/cleanup-old-logs';
import { cleanupTempFiles } from '../../src/cleanup/cleanup-temp-files';
import { cleanupConfig, SEED_HEALTH_PATHS, type CleanupConfig } from '../../src/cleanup/config';
import { HealthSnapshots } from '../../src/cleanup/health-snapshot';
import type { CleanupServices } from '../../src/cleanup/services';
import { systemHealthCheck } from '../../src/cleanup/system-health-check';
import { BackendClient } from '../../src/providers/backend-client';
import { FilesInUse } from '../../src/providers/files-in-use';
import { REDIS_URL, uniqueName } from '../../../testing/stack';
import { HOUR, tempTree } from './tree';

const DAY = 24 * HOUR;
let redis: Redis;
const snapshotPrefix = `${uniqueName('health-test')}:`;
beforeAll(async () => {
  redis = await connectRedis(REDIS_URL, 'client', createLogger({ service: 'test', silent: true }));
});
afterAll(async () => {
  await redis.del(`${snapshotPrefix}burrow-health-latest`);
  redis.disconnect();
});
const snapshots = () => new HealthSnapshots(redis, { keyPrefix: snapshotPrefix, ttlSeconds: 60 });
const unreachable = new BackendClient({
  baseUrl: 'http://127.0.0.1:1',
  apiKey: '',
  timeoutSeconds: 1,
});

function services(
  settings: Partial<CleanupConfig>,
  backend: BackendClient = unreachable,
): CleanupServices {
  return {
    backend,
    probes: { rabbitmq: () => Promise.resolve(), redis: () => Promise.resolve() },
    settings: {
      ...loadConfigFragment(cleanupConfig, { CLEANUP_LOG_DIRS: '', HEALTH_CHECK_SMTP: 'false' }),
      ...settings,
    },
    health: snapshots(),
    filesInUse: new FilesInUse(redis, { keyPrefix: snapshotPrefix }),
    now: Date.now,
    close: () => Promise.resolve(),
  };
}

afterAll(() => unreachable.close());

describe('cleanup config', () => {
  it("defaults: no temp roots, ./logs, the seed's health paths", () => {
    const config = loadConfigFragment(cleanupConfig, {});
    expect(config.tempDirs).toEqual([]);
    expect(config.logDirs).toEqual([path.resolve('logs')]);
    expect(config.backendHealthPaths).toEqual([...SEED_HEALTH_PATHS]);
  });

  it.each([
    ['CLEANUP_TEMP_DIRS', '/tmp/a,/', /CLEANUP_TEMP_DIRS.*"\/".*filesystem root/],
    ['CLEANUP_TEMP_DIRS', '/tmp/../etc', /CLEANUP_TEMP_DIRS.*"\.\."/],
    ['CLEANUP_TEMP_DIRS', 'tmp/uploads', /CLEANUP_TEMP_DIRS.*absolute/],
    ['CLEANUP_LOG_DIRS', '../logs', /CLEANUP_LOG_DIRS.*"\.\."/],
    ['CLEANUP_LOG_DIRS', '//', /CLEANUP_LOG_DIRS.*filesystem root/],
  ])('refuses %s=%s at load, naming the variable', (name, value, message) => {
    const load = () => loadConfigFragment(cleanupConfig, { [name]: value });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(message);
  });
});

describe('cleanup_temp_files_task', () => {
  let tree: Awaited<ReturnType<typeof tempTree>>;
  beforeEach(async () => {
    tree = await tempTree();
  });
  afterEach(() => tree.remove());

  it('deletes files older than max_age_hours in the configured roots only', async () => {
    const other = await tempTree();
    try {
      await tree.file('old', 30 * HOUR, 4);
      await tree.file('young', 2 * HOUR, 4);
      await other.file('old', 30 * HOUR, 4);
      const ctx = fakeContext({ services: services({ tempDirs: [tree.dir] }) });
      const result = await cleanupTempFiles({ max_age_hours: 24 }, ctx);
      expect(result).toEqual({
        deleted_files: 1,
        freed_bytes: 4,
        errors: [],
        dry_run: false,
        skipped_in_use: 0,
      });
      expect(await tree.exists('old')).toBe(false);
      expect(await tree.exists('young')).toBe(true);
      expect(await other.exists('old')).toBe(true);
    } finally {
      await other.remove();
    }
  });

  it('changes nothing in a dry run', async () => {
    const old = await tree.file('d/old', 30 * HOUR, 4);
    const ctx = fakeContext({ services: services({ tempDirs: [tree.dir] }) });
    const result = await cleanupTempFiles({ max_age_hours: 24, dry_run: true }, ctx);
    expect(result).toEqual({
      deleted_files: 1,
      freed_bytes: 4,
      errors: [],
      dry_run: true,
      would_delete: [old],
      skipped_in_use: 0,
    });
    expect(await tree.exists('d/old')).toBe(true);
  });

  it('skips an old file a worker is writing: reported as in use, not as an error', async () => {
    const writing = await tree.file('reports/big.csv', 30 * HOUR, 4);
    await tree.file('reports/done.csv', 30 * HOUR, 4);
    const lease = await new FilesInUse(redis, { keyPrefix: snapshotPrefix }).hold(writing);
    try {
      const ctx = fakeContext({ services: services({ tempDirs: [tree.dir] }) });
      const dry = await cleanupTempFiles({ max_age_hours: 24, dry_run: true }, ctx);
      expect(dry).toMatchObject({ deleted_files: 1, skipped_in_use: 1, in_use: [writing] });
      expect(dry.would_delete).toEqual([path.join(tree.dir, 'reports/done.csv')]);
      const result = await cleanupTempFiles({ max_age_hours: 24 }, ctx);
      expect(result).toEqual({
        deleted_files: 1,
        freed_bytes: 4,
        errors: [],
        dry_run: false,
        skipped_in_use: 1,
        in_use: [writing],
      });
      expect(await tree.exists('reports/big.csv')).toBe(true);
      expect(await tree.exists('reports/done.csv')).toBe(false);
    } finally {
      await lease.release();
    }
    // Released, it goes with the next sweep like any old file.
    const after = await cleanupTempFiles(
      { max_age_hours: 24 },
      fakeContext({ services: services({ tempDirs: [tree.dir] }) }),
    );
    expect(after).toMatchObject({ deleted_files: 1, skipped_in_use: 0 });
    expect(await tree.exists('reports')).toBe(false);
  });

  it('succeeds with nothing to report when no roots are configured', async () => {
    const ctx = fakeContext({ services: services({ tempDirs: [] }) });
    await expect(cleanupTempFiles({}, ctx)).resolves.toEqual({
      deleted_files: 0,
      freed_bytes: 0,
      errors: [],
      dry_run: false,
      skipped_in_use: 0,
    });
    expect(ctx.lines.map((l) => l.message)).toContain('no sweep roots configured: nothing to do');
  });
});

describe('cleanup_old_logs_task', () => {
  it("deletes old rotated logs, keeping today's file and the audit json", async () => {
    const tree = await tempTree();
    try {
      const today = new Date().toISOString().slice(0, 10);
      await tree.file('worker-2020-01-01.log', 40 * DAY, 9);
      await tree.file('worker-2020-01-01.log.1', 40 * DAY, 9);
      await tree.file('old.log.gz', 40 * DAY, 9);
      await tree.file(`worker-${today}.log`, 40 * DAY, 9);
      await tree.file('.0a1b2c-audit.json', 40 * DAY, 9);
      await tree.file('worker-2020-02-01.log', 10 * DAY, 9);
      await tree.file('readme.txt', 40 * DAY, 9);
      const ctx = fakeContext({ services: services({ logDirs: [tree.dir] }) });
      const result = await cleanupOldLogs({ days_to_keep: 30 }, ctx);
      expect(result).toMatchObject({ deleted_files: 3, freed_bytes: 27, errors: [] });
      expect(await tree.exists(`worker-${today}.log`)).toBe(true);
      expect(await tree.exists('.0a1b2c-audit.json')).toBe(true);
      expect(await tree.exists('worker-2020-02-01.log')).toBe(true);
      expect(await tree.exists('readme.txt')).toBe(true);
      expect(await tree.exists('old.log.gz')).toBe(false);
    } finally {
      await tree.remove();
    }
  });
});

describe('cleanup_old_logs_task and files in use', () => {
  it('leaves an old log a worker still holds', async () => {
    const tree = await tempTree();
    const held = await tree.file('import-2020-01-01.log', 40 * DAY, 9);
    const lease = await new FilesInUse(redis, { keyPrefix: snapshotPrefix }).hold(held);
    try {
      const ctx = fakeContext({ services: services({ logDirs: [tree.dir] }) });
      const result = await cleanupOldLogs({ days_to_keep: 30 }, ctx);
      expect(result).toMatchObject({ deleted_files: 0, errors: [], skipped_in_use: 1 });
      expect(await tree.exists('import-2020-01-01.log')).toBe(true);
    } finally {
      await lease.release();
      await tree.remove();
    }
  });
});

describe('system_health_check_task', () => {
  let server: http.Server;
  let backend: BackendClient;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      res.writeHead(req.url === '/health/postgres' ? 503 : 200).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    backend = new BackendClient({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      timeoutSeconds: 2,
      apiKey: '',
    });
  });
  afterAll(async () => {
    await backend.close();
    server.close();
  });

  it("reports the seed's {path: status_code} map beside the checks, one path down", async () => {
    const ctx = fakeContext({
      services: services({ backendHealthPaths: [...SEED_HEALTH_PATHS] }, backend),
    });
    const result = await systemHealthCheck({}, ctx);
    expect(result.results).toEqual({
      '/health/redis': 200,
      '/health/rabbitmq': 200,
      '/health/postgres': 503,
      '/health/search-index': 200,
    });
    expect(result.status).toBe('degraded');
    expect(result.checks['backend:/health/postgres']).toMatchObject({
      status: 'down',
      error: 'HTTP 503',
    });
    expect(result.checks['backend:/health/redis']).toMatchObject({ status: 'up' });
    // The latest report is kept for `burrow health`.
    expect(await snapshots().latest()).toEqual(result);
  });

  it('gives null for a path whose backend cannot be reached', async () => {
    const ctx = fakeContext({ services: services({ backendHealthPaths: ['/health/redis'] }) });
    const result = await systemHealthCheck({}, ctx);
    expect(result.results).toEqual({ '/health/redis': null });
    expect(result.status).toBe('degraded');
  });
});
