import path from 'node:path';
import amqplib from 'amqplib';
import { TaskFailedError } from '@burrow/shared';
import { startFakeBackend, type FakeBackend } from '../../testing/fake-backend';
import { AMQP_URL, REPO_ROOT, eventually, uniqueName } from '../../testing/stack';
import { connectTestClient } from '../../testing/test-client';
import { runBurrowCli, spawnBurrow, type WorkerProcess } from '../../testing/worker-process';

describe('burrow dead list | show | replay | purge', () => {
  const queue = uniqueName('fixtures');
  let backend: FakeBackend;
  let worker: WorkerProcess;
  let session: Awaited<ReturnType<typeof connectTestClient>>;

  beforeAll(async () => {
    backend = await startFakeBackend();
    worker = spawnBurrow(
      {
        BACKEND_API_URL: backend.url,
        BACKEND_API_KEY: 'k-123',
        BURROW_FIXTURE_QUEUE: queue,
        WORKER_TASK_MODULES: path.join(REPO_ROOT, 'workers/test/fixtures/fixture-tasks.js'),
      },
      ['--queues', queue],
    );
    await worker.waitForLine(/worker ready/);
    session = await connectTestClient();
  });

  afterAll(async () => {
    worker?.kill('SIGKILL');
    await session?.close();
    await backend?.close();
    const connection = await amqplib.connect(AMQP_URL);
    const channel = await connection.createChannel();
    await channel.deleteQueue(queue);
    await channel.deleteQueue(`${queue}.dead`);
    await connection.close();
  });

  it('lists, shows, replays and purges what a worker dead-lettered', async () => {
    // A task id is the dedupe key: a fixed one would be skipped as done by a rerun.
    const poisonId = uniqueName('not-json');
    backend.countStatus = 400; // permanent: the backend refuses the call
    const refused = await session.client.send('fixtures.count', {}, { queue });
    await expect(session.client.wait(refused, 10_000)).rejects.toThrow(TaskFailedError);
    const connection = await amqplib.connect(AMQP_URL);
    const channel = await connection.createConfirmChannel();
    channel.sendToQueue(queue, Buffer.from('<xml/>'), {
      headers: { task: 'fixtures.add', id: poisonId },
      contentType: 'application/json',
    });
    await channel.waitForConfirms();
    await connection.close();
    await eventually(
      async () => (await session.results.get(poisonId))?.status === 'FAILURE',
      10_000,
      'poison FAILURE',
    );

    const list = await runBurrowCli(['dead', 'list', queue]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`${queue}.dead: 2 message(s)`);
    expect(list.stdout).toMatch(
      /1\s+http_400\s+permanent error: backend POST \/count answered 400/,
    );
    expect(list.stdout).toMatch(/1\s+not_json\s+body is not valid JSON/);

    const show = await runBurrowCli(['dead', 'show', `${queue}.dead`, '--json']);
    const letters = show.stdout
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as { taskId: string; code: string; attempts: number; worker: string },
      );
    expect(letters.map((l) => l.taskId).sort()).toEqual([refused, poisonId].sort());
    expect(letters.find((l) => l.taskId === refused)).toMatchObject({
      code: 'http_400',
      attempts: 1,
      worker: expect.stringMatching(/^burrow@/),
    });

    backend.countStatus = 200; // the backend is fixed: replay the refused task only
    const replay = await runBurrowCli(['dead', 'replay', queue, '--id', refused]);
    expect(replay.stdout).toContain('1 message(s) replayed');
    // Progress goes to stderr: of the two dead letters looked at, the refused one replayed.
    expect(replay.stderr).toMatch(
      new RegExp(`replaying ${queue}\\.dead \\[[#-]+\\] +\\d+ % +[12]/2`),
    );
    await eventually(
      async () => (await session.results.get(refused))?.status === 'SUCCESS',
      10_000,
      'replayed task SUCCESS',
    );
    expect(backend.counted).toEqual([refused]);
    // The side effect carries the task id, so the backend can drop a redelivered duplicate.
    expect(backend.countHeaders).toEqual([{ idempotencyKey: refused, apiKey: 'k-123' }]);

    const refusedPurge = await runBurrowCli(['dead', 'purge', queue]);
    expect(refusedPurge.code).toBe(1);
    expect(refusedPurge.stderr).toMatch(/add --yes/);
    const purge = await runBurrowCli(['dead', 'purge', queue, '--yes']);
    expect(purge.stdout).toContain('1 message(s) purged');
    expect((await runBurrowCli(['dead', 'list', queue])).stdout).toContain(': 0 message(s)');
  });

  it('reports a task status and queue depths', async () => {
    const id = await session.client.send('fixtures.add', [1, 2], { queue });
    await session.client.wait(id, 10_000);
    const status = await runBurrowCli(['status', id]);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: 'SUCCESS', result: 3, task_id: id });
    const queues = await runBurrowCli(['queues', '--queue', queue]);
    expect(queues.stdout).toMatch(new RegExp(`${queue}\\s+0\\s+1\\s+0`));
  });
});
