import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { createPrivateVhost, type PrivateVhost } from '../../../testing/private-vhost';
import { REDIS_URL, eventually, uniqueName } from '../../../testing/stack';
import { connectTestClient } from '../../../testing/test-client';
import { spawnBurrow, type WorkerProcess } from '../../../testing/worker-process';
import { startFakeDataBackend, usersCsv, type FakeDataBackend } from './fake-data-backend';

const IMPORT = 'tasks.data_processing_tasks.batch_data_import_task';
const ROWS = 20_000;
const BATCH = 200;
const CHUNKS = ROWS / BATCH;

/**
 * A real worker process imports a 20 000-row CSV; it is killed with SIGKILL mid-import and a
 * new one takes the redelivered task: every chunk reaches the backend under its key, no row
 * under two keys, and the counts add up.
 */
describe('batch_data_import_task: kill -9 mid-import, restart, nothing posted twice', () => {
  let vhost: PrivateVhost;
  let backend: FakeDataBackend;
  let session: Awaited<ReturnType<typeof connectTestClient>>;
  let redis: Redis;
  let dir: string;
  let env: Record<string, string>;
  const workers: WorkerProcess[] = [];
  const keyPrefix = `${uniqueName('data-import-e2e')}:`;

  const start = async () => {
    const worker = spawnBurrow({ ...env, WORKER_NAME: uniqueName('import@test') }, [
      '--queues',
      'data_processing',
    ]);
    workers.push(worker);
    await worker.waitForLine(/worker ready/);
    return worker;
  };

  beforeAll(async () => {
    vhost = await createPrivateVhost('data-import');
    backend = await startFakeDataBackend();
    backend.slow('/internal/imports/', 25);
    redis = new Redis(REDIS_URL);
    dir = await mkdtemp(path.join(os.tmpdir(), 'burrow-import-e2e-'));
    env = {
      RABBITMQ_URL: vhost.url,
      REDIS_KEY_PREFIX: keyPrefix,
      BACKEND_API_URL: backend.url,
      BACKEND_API_KEY: 'e2e-key',
      IMPORTS_DIR: dir,
      REPORTS_DIR: path.join(dir, 'reports'),
      RESULT_EXPIRES: '600',
    };
    await writeFile(path.join(dir, 'users.csv'), usersCsv(ROWS, 97));
    session = await connectTestClient([], { amqpUrl: vhost.url, keyPrefix });
  });

  afterAll(async () => {
    for (const worker of workers) {
      worker.kill('SIGKILL');
      await worker.exited;
    }
    await session?.close();
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis?.disconnect();
    await backend?.close();
    await vhost?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('resumes from the last committed chunk', async () => {
    const first = await start();
    const id = await session.client.send(IMPORT, {
      import_type: 'users',
      file_path: 'users.csv',
      options: { batch_size: BATCH },
    });
    const progress = await eventually(
      async () => {
        const meta = await session.results.get(id);
        return meta?.status === 'PROGRESS' && (meta.result as { rows: number }).rows >= 10 * BATCH
          ? (meta.result as { rows: number })
          : undefined;
      },
      30_000,
      'progress in the status',
    );
    expect(progress.rows).toBeGreaterThan(0);
    first.kill('SIGKILL');
    await first.exited;
    const postedBeforeKill = backend.chunks.size;
    expect(postedBeforeKill).toBeLessThan(CHUNKS);

    await start();
    const result = await session.client.wait<{
      total_rows: number;
      imported: number;
      failed: number;
      chunks: number;
      error_report: string;
    }>(id, 60_000);
    const failedRows = Math.floor(ROWS / 97);
    expect(result).toMatchObject({
      total_rows: ROWS,
      imported: ROWS - failedRows,
      failed: failedRows,
      chunks: CHUNKS,
    });

    // Every chunk under its key, each row once across keys; a chunk re-posted after the kill
    // (posted, not yet committed) came with the same key and the same rows.
    const keys = [...backend.chunks.keys()].sort(
      (a, b) => Number(a.split(':').pop()) - Number(b.split(':').pop()),
    );
    expect(keys).toEqual(Array.from({ length: CHUNKS }, (_, i) => `${id}:${i}`));
    const emails = [...backend.chunks.values()].flat().map((row) => row.email);
    expect(emails).toHaveLength(ROWS - failedRows);
    expect(new Set(emails).size).toBe(ROWS - failedRows);
    expect(backend.repeats.length).toBeLessThanOrEqual(1);
    expect(backend.repeats.every((r) => r.sameRows)).toBe(true);
    const posts = backend.receivedOn('/internal/imports/users');
    expect(posts.length).toBeLessThanOrEqual(CHUNKS + 1);
    expect(posts.every((p) => p.apiKey === 'e2e-key')).toBe(true);

    const report = (await readFile(result.error_report, 'utf8')).trim().split('\n');
    expect(report).toHaveLength(1 + 2 * failedRows); // each bad row: email and name, once
  });
});
