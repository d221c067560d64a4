import { startFakeBackend, type FakeBackend } from '../../../testing/fake-backend';
import { deleteQueues, spawnFixtureWorker } from '../../../testing/fixture-worker';
import { eventually, uniqueName } from '../../../testing/stack';
import { stackCommand } from '../../../testing/stack-control';
import { connectTestClient, countStatuses } from '../../../testing/test-client';
import type { WorkerProcess } from '../../../testing/worker-process';

const TASKS = 3_000;

describe('RabbitMQ restarts in the middle of a run', () => {
  const queue = uniqueName('restart');
  let backend: FakeBackend;
  let worker: WorkerProcess;
  let session: Awaited<ReturnType<typeof connectTestClient>>;

  beforeAll(async () => {
    backend = await startFakeBackend();
    worker = spawnFixtureWorker(queue, {
      BACKEND_API_URL: backend.url,
      WORKER_CONCURRENCY: '16',
      WORKER_HTTP_PORT: '19153',
    });
    await worker.waitForLine(/worker ready/);
    session = await connectTestClient([], { publishTimeoutMs: 120_000 });
  });
  afterAll(async () => {
    worker?.kill('SIGKILL');
    await session?.close();
    await backend?.close();
    await deleteQueues(queue, `${queue}.dead`);
  });

  it('loses nothing while publishing and consuming, and consuming resumes by itself', async () => {
    const ids: string[] = [];
    let restart: Promise<string> | undefined;
    const readiness = new Set<number>();
    const probe = setInterval(() => {
      fetch('http://127.0.0.1:19153/readyz').then(
        (r) => readiness.add(r.status),
        () => readiness.add(0),
      );
    }, 200);
    for (let i = 0; i < TASKS; i += 100) {
      // Publishes sent while the broker is down wait for it (bounded) instead of failing.
      const batch = Array.from({ length: 100 }, (_, j) =>
        session.client.send('fixtures.count', { n: i + j }, { queue }),
      );
      if (i === 1_000) restart = stackCommand('restart-rabbitmq');
      ids.push(...(await Promise.all(batch)));
    }
    await restart;
    await worker.waitForLine(/broker reconnected/, 60_000);
    await eventually(
      async () => (await fetch('http://127.0.0.1:19153/readyz')).status === 200,
      30_000,
      'ready again',
    );
    clearInterval(probe);
    // Not ready while the broker was away, ready again by itself.
    expect([...readiness]).toContain(503);
    await eventually(() => new Set(backend.counted).size === TASKS, 120_000, 'every side effect');
    expect(await countStatuses(session.results, ids)).toEqual({ SUCCESS: TASKS });
    expect(worker.child.exitCode).toBeNull();
    process.stdout.write(
      `broker restart test: ${TASKS} tasks, ${backend.counted.length - TASKS} repeated in-flight side effects, all SUCCESS\n`,
    );
  });
});
