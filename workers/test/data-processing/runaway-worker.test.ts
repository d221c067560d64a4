import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import amqplib from 'amqplib';
import { Redis } from 'ioredis';
import { AMQP_URL, REDIS_URL, REPO_ROOT, eventually, uniqueName } from '../../../testing/stack';
import { connectTestClient } from '../../../testing/test-client';
import { spawnBurrow, type WorkerProcess } from '../../../testing/worker-process';

const ticks = (file: string) =>
  stat(file).then(
    (s) => s.size,
    () => 0,
  );

/**
 * A real worker process runs a thread job that spins forever: at the task's hard limit (3 s)
 * the attempt fails and its thread is terminated (the tick file stops growing), while quick
 * tasks on the same worker keep completing during the spin.
 */
describe('a runaway thread job in a worker process', () => {
  const queue = uniqueName('data-runaway');
  let worker: WorkerProcess;
  let session: Awaited<ReturnType<typeof connectTestClient>>;
  let redis: Redis;
  let dir: string;
  const ids: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'burrow-runaway-'));
    redis = new Redis(REDIS_URL);
    worker = spawnBurrow(
      {
        BURROW_FIXTURE_QUEUE: queue,
        WORKER_TASK_MODULES: path.join(REPO_ROOT, 'workers/test/fixtures/data-runaway-tasks.js'),
        RESULT_EXPIRES: '600',
        WORKER_NAME: uniqueName('runaway@test'),
      },
      ['--queues', queue, '--concurrency', '4'],
    );
    await worker.waitForLine(/worker ready/);
    session = await connectTestClient([queue]);
  });

  afterAll(async () => {
    worker?.kill('SIGTERM');
    await worker?.exited;
    await session?.close();
    if (ids.length > 0) await redis.del(...ids.map((id) => `celery-task-meta-${id}`));
    redis?.disconnect();
    const connection = await amqplib.connect(AMQP_URL);
    const channel = await connection.createChannel();
    await channel.deleteQueue(queue);
    await channel.deleteQueue(`${queue}.dead`);
    await connection.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is stopped at its hard limit while the worker keeps serving', async () => {
    const tickFile = path.join(dir, 'spin.ticks');
    const spinId = await session.client.send(
      'fixtures.data.spin',
      { tick_file: tickFile },
      { queue },
    );
    ids.push(spinId);
    await eventually(async () => (await ticks(tickFile)) > 0, 15_000, 'the spin to start');
    const spinStarted = Date.now();

    // Quick tasks sent while the thread spins complete meanwhile, before the hard limit.
    const squares = await Promise.all(
      [2, 3, 4].map((n) => session.client.send('fixtures.data.square', { n }, { queue })),
    );
    ids.push(...squares);
    const results = await Promise.all(
      squares.map((id) => session.client.wait<{ square: number; at: number }>(id, 15_000)),
    );
    expect(results.map((r) => r.square)).toEqual([4, 9, 16]);
    const spinMeta = await session.results.get(spinId);
    expect(spinMeta?.status).not.toBe('FAILURE'); // still spinning when they finished

    const failed = await eventually(
      async () => {
        const meta = await session.results.get(spinId);
        return meta?.status === 'FAILURE' ? meta : undefined;
      },
      20_000,
      'the spin to fail',
    );
    expect(failed.result).toMatchObject({ exc_type: 'TimeLimitExceeded' });
    const failedAt = Date.now();
    expect(failedAt - spinStarted).toBeGreaterThanOrEqual(2_000);

    // The thread is gone: no tick after a quiet second.
    await eventually(
      async () => {
        const before = await ticks(tickFile);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        return (await ticks(tickFile)) === before;
      },
      10_000,
      'the ticks to stop',
    );

    // And the worker still serves.
    const after = await session.client.send('fixtures.data.square', { n: 5 }, { queue });
    ids.push(after);
    await expect(session.client.wait(after, 15_000)).resolves.toMatchObject({ square: 25 });
  });
});
