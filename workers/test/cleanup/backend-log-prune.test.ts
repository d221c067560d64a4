import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { connectRedis, createLogger, loadConfigFragment } from '@burrow/shared';
import { fakeContext } from '../../../testing/fake-context';
import { REDIS_URL, uniqueName } from '../../../testing/stack';
import { cleanupOldLogs } from '../../src/cleanup/cleanup-old-logs';
import { cleanupConfig } from '../../src/cleanup/config';
import { HealthSnapshots } from '../../src/cleanup/health-snapshot';
import type { CleanupServices } from '../../src/cleanup/services';
import { BackendClient } from '../../src/providers/backend-client';
import { FilesInUse } from '../../src/providers/files-in-use';
import { HOUR, tempTree } from './tree';

const DAY = 24 * HOUR;

interface Received {
  method: string;
  url: string;
  apiKey: string | undefined;
  idempotencyKey: string | undefined;
  body: unknown;
}

/** cleanup_old_logs_task's backend log-record prune, against a real local HTTP server. */
describe('cleanup_old_logs_task: the backend prunes its log records', () => {
  let server: http.Server;
  let backend: BackendClient;
  let answer = { status: 200, body: '{"deleted":42}' };
  const received: Received[] = [];
  let redis: Redis;
  let tree: Awaited<ReturnType<typeof tempTree>>;
  const prefix = `${uniqueName('log-prune')}:`;

  const services = (env: Record<string, string>, client = backend): CleanupServices => ({
    backend: client,
    probes: { rabbitmq: () => Promise.resolve(), redis: () => Promise.resolve() },
    settings: loadConfigFragment(cleanupConfig, { CLEANUP_LOG_DIRS: tree.dir, ...env }),
    health: new HealthSnapshots(redis, { keyPrefix: prefix, ttlSeconds: 60 }),
    filesInUse: new FilesInUse(redis, { keyPrefix: prefix }),
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
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        received.push({
          method: req.method ?? '',
          url: req.url ?? '',
          apiKey: req.headers['x-api-key'] as string | undefined,
          idempotencyKey: req.headers['idempotency-key'] as string | undefined,
          body: text ? (JSON.parse(text) as unknown) : null,
        });
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    backend = new BackendClient({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      apiKey: 'k-log',
      timeoutSeconds: 2,
    });
  });
  afterAll(async () => {
    redis.disconnect();
    await backend.close();
    server.close();
  });
  beforeEach(async () => {
    received.length = 0;
    answer = { status: 200, body: '{"deleted":42}' };
    tree = await tempTree();
    await tree.file('worker-2020-01-01.log', 40 * DAY, 9);
  });
  afterEach(() => tree.remove());

  it('is off by default: no request, no backend_prune in the result', async () => {
    const result = await cleanupOldLogs({}, fakeContext({ services: services({}) }));
    expect(received).toEqual([]);
    expect(result).not.toHaveProperty('backend_prune');
    expect(result.deleted_files).toBe(1);
  });

  it('POSTs days_to_keep with the API key and an Idempotency-Key, after the file sweep', async () => {
    const ctx = fakeContext({
      services: services({ BACKEND_LOG_PRUNE_PATH: '/internal/maintenance/prune-logs' }),
    });
    const result = await cleanupOldLogs({ days_to_keep: 7 }, ctx);
    expect(received).toEqual([
      {
        method: 'POST',
        url: '/internal/maintenance/prune-logs',
        apiKey: 'k-log',
        idempotencyKey: `${ctx.taskId}:log_prune`,
        body: { days_to_keep: 7 },
      },
    ]);
    expect(result).toMatchObject({
      deleted_files: 1,
      backend_prune: { status: 'ok', status_code: 200, response: { deleted: 42 } },
    });
  });

  it("reports a backend failure beside the sweep's result, without failing the task", async () => {
    answer = { status: 503, body: '{"detail":"maintenance"}' };
    const ctx = fakeContext({ services: services({ BACKEND_LOG_PRUNE_PATH: '/prune' }) });
    const result = await cleanupOldLogs({ days_to_keep: 30 }, ctx);
    expect(result).toMatchObject({
      deleted_files: 1,
      errors: [],
      backend_prune: {
        status: 'failed',
        status_code: 503,
        error: 'backend POST /prune answered 503',
      },
    });
    expect(await tree.exists('worker-2020-01-01.log')).toBe(false);
    expect(ctx.lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'the backend did not prune its log records',
      }),
    );
  });

  it('reports an unreachable backend the same way', async () => {
    const down = new BackendClient({
      baseUrl: 'http://127.0.0.1:1',
      apiKey: '',
      timeoutSeconds: 1,
    });
    try {
      const result = await cleanupOldLogs(
        {},
        fakeContext({ services: services({ BACKEND_LOG_PRUNE_PATH: '/prune' }, down) }),
      );
      expect(result.deleted_files).toBe(1);
      expect(result.backend_prune).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(/unreachable/),
      });
      expect(result.backend_prune).not.toHaveProperty('status_code');
    } finally {
      await down.close();
    }
  });

  it('does not ask the backend in a dry run', async () => {
    const result = await cleanupOldLogs(
      { dry_run: true },
      fakeContext({ services: services({ BACKEND_LOG_PRUNE_PATH: '/prune' }) }),
    );
    expect(received).toEqual([]);
    expect(result.backend_prune).toEqual({
      status: 'skipped',
      reason: 'dry run: the backend is not asked',
    });
    expect(await tree.exists('worker-2020-01-01.log')).toBe(true);
  });
});
