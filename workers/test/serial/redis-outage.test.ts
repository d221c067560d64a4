import { startFakeBackend, type FakeBackend } from '../../../testing/fake-backend';
import { deleteQueues, spawnFixtureWorker } from '../../../testing/fixture-worker';
import { eventually, uniqueName } from '../../../testing/stack';
import { stackCommand } from '../../../testing/stack-control';
import { connectTestClient, countStatuses } from '../../../testing/test-client';
import type { WorkerProcess } from '../../../testing/worker-process';

const TASKS = 2_000;
const OUTAGE_MS = 30_000;

describe('Redis stops for 30 s in the middle of a run', () => {
  const queue = uniqueName('redis-out');
  let backend: FakeBackend;
  let worker: WorkerProcess;
  let session: Awaited<ReturnType<typeof connectTestClient>>;

  beforeAll(async () => {
    backend = await startFakeBackend();
    worker = spawnFixtureWorker(queue, {
      BACKEND_API_URL: backend.url,
      WORKER_CONCURRENCY: '16',
      WORKER_HTTP_PORT: '19151',
    });
    await worker.waitForLine(/worker ready/);
    session = await connectTestClient();
  });
  afterAll(async () => {
    worker?.kill('SIGKILL');
    await session?.close();
    await backend?.close();
    await deleteQueues(queue, `${queue}.dead`);
  });

  const readiness = async () => (await fetch('http://127.0.0.1:19151/readyz')).status;

  it('marks nothing done without its result, reports not-ready, and finishes every task after', async () => {
    const ids: string[] = [];
    for (let i = 0; i < TASKS; i += 200) {
      ids.push(
        ...(await Promise.all(
          Array.from({ length: 200 }, (_, j) =>
            session.client.send('fixtures.count', { n: i + j }, { queue }),
          ),
        )),
      );
    }
    await eventually(() => backend.counted.length >= 300, 30_000, 'work under way');
    expect(await readiness()).toBe(200);
    await stackCommand('stop-redis');
    await eventually(
      async () => (await readiness()) === 503,
      10_000,
      'readyz 503 during the outage',
    );
    const countedDuringOutage = backend.counted.length;
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    // Without Redis a task cannot record its outcome, so the worker holds it unacked: at most
    // its concurrency of side effects happen during the whole outage.
    expect(backend.counted.length - countedDuringOutage).toBeLessThanOrEqual(16);
    await stackCommand('start-redis');
    await eventually(
      async () => (await readiness()) === 200,
      30_000,
      'readyz 200 after the outage',
    );
    await eventually(() => new Set(backend.counted).size === TASKS, 120_000, 'every side effect');
    expect(await countStatuses(session.results, ids)).toEqual({ SUCCESS: TASKS });
    process.stdout.write(
      `redis outage test: ${TASKS} tasks all SUCCESS; ${backend.counted.length - TASKS} repeated side effects\n`,
    );
  });
});
