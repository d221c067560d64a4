import { deleteQueues, queueDepth, spawnFixtureWorker } from '../../../testing/fixture-worker';
import { eventually, uniqueName } from '../../../testing/stack';
import { connectTestClient, countStatuses } from '../../../testing/test-client';
import type { WorkerProcess } from '../../../testing/worker-process';

describe('worker lifecycle under load', () => {
  let session: Awaited<ReturnType<typeof connectTestClient>>;
  const workers: WorkerProcess[] = [];
  const queues: string[] = [];

  beforeAll(async () => {
    session = await connectTestClient();
  });
  afterAll(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await session?.close();
    await deleteQueues(...queues.flatMap((q) => [q, `${q}.dead`]));
  });

  const start = (env: Record<string, string> = {}) => {
    const queue = uniqueName('life');
    queues.push(queue);
    const worker = spawnFixtureWorker(queue, env);
    workers.push(worker);
    return { queue, worker };
  };

  it('SIGTERM: running tasks finish, the rest stay queued, exit 0', async () => {
    const { queue, worker } = start({ WORKER_CONCURRENCY: '4', WORKER_TRACK_STARTED: 'true' });
    await worker.waitForLine(/worker ready/);
    const ids = await Promise.all(
      Array.from({ length: 60 }, () =>
        session.client.send('fixtures.sleep', { seconds: 1 }, { queue }),
      ),
    );
    await eventually(
      async () => (await countStatuses(session.results, ids)).SUCCESS! >= 8,
      20_000,
      'some tasks done',
    );
    worker.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    const statuses = await countStatuses(session.results, ids);
    // Tasks that had started finished (no STARTED left behind, none aborted); the others wait.
    expect(statuses.STARTED ?? 0).toBe(0);
    const done = statuses.SUCCESS ?? 0;
    expect(done).toBeGreaterThanOrEqual(8);
    expect(done).toBeLessThan(60);
    expect(await queueDepth(queue)).toBe(60 - done);
    const results = (await session.results.getMany(ids)).filter((m) => m?.status === 'SUCCESS');
    expect(results.every((m) => (m!.result as { aborted: boolean }).aborted === false)).toBe(true);
  });

  it('a message that kills the worker is dead-lettered after the delivery limit, not looped forever', async () => {
    const { queue, worker: first } = start({ WORKER_MAX_DELIVERIES: '3' });
    await first.waitForLine(/worker ready/);
    const poison = await session.client.send(
      'fixtures.fail',
      { kind: 'exit', message: 'segfault' },
      { queue },
    );
    const healthy = await session.client.send('fixtures.add', { x: 1, y: 1 }, { queue });
    expect(await first.exited).toBe('SIGKILL');
    // The fleet restarts the worker; each restart gets the poison message again until the limit.
    let restarts = 0;
    for (;;) {
      const next = spawnFixtureWorker(queue, { WORKER_MAX_DELIVERIES: '3' });
      workers.push(next);
      const outcome = await Promise.race([
        next.exited.then(() => 'died' as const),
        next.waitForLine(/crash_loop/, 20_000).then(() => 'dead-lettered' as const),
      ]);
      restarts++;
      if (outcome === 'dead-lettered') break;
      expect(restarts).toBeLessThan(4);
    }
    await expect(session.client.wait(healthy, 10_000)).resolves.toBe(2);
    const meta = await session.results.get(poison);
    expect(meta?.status).toBe('FAILURE');
    expect(meta?.result).toMatchObject({ exc_type: 'WorkerLostError' });
    expect(await queueDepth(`${queue}.dead`)).toBe(1);
    expect(restarts).toBe(3);
  });

  it('past its memory cap a worker stops taking work, drains and exits for a restart', async () => {
    const { worker } = start({ WORKER_MAX_MEMORY_MB: '1' });
    await worker.waitForLine(/memory cap reached/, 20_000);
    expect(await worker.exited).toBe(0);
    expect(worker.output()).toMatch(/worker stopped cleanly/);
  });
});
