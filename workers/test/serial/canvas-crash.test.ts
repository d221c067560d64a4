import { startFakeBackend, type FakeBackend } from '../../../testing/fake-backend';
import { deleteQueues } from '../../../testing/fixture-worker';
import { AMQP_URL, REDIS_URL, eventually, uniqueName } from '../../../testing/stack';
import { connectTestClient } from '../../../testing/test-client';
import type { WorkerProcess } from '../../../testing/worker-process';
import { Redis } from 'ioredis';
import { canvasQueues, spawnCanvasWorker, startScenario } from '../canvas/celery-canvas';
import { startCutProxy, type CutProxy } from '../canvas/cut-proxy';

/**
 * The window the canvas must survive: a chain step's result is stored, its next step is not yet
 * published, and the worker dies. The first worker reaches the broker through a proxy the test
 * cuts while step one runs, so the step's SUCCESS lands in Redis but the publish of step two
 * cannot; then the worker is killed with -9 and a second one takes the redelivered step.
 */
describe('kill -9 between the steps of a chain', () => {
  const queues = canvasQueues(uniqueName('canvas-crash'));
  const workers: WorkerProcess[] = [];
  let backend: FakeBackend;
  let proxy: CutProxy;
  let redis: Redis;
  let session: Awaited<ReturnType<typeof connectTestClient>>;

  beforeAll(async () => {
    backend = await startFakeBackend();
    const broker = new URL(AMQP_URL);
    proxy = await startCutProxy({ host: broker.hostname, port: Number(broker.port || 5672) });
    redis = new Redis(REDIS_URL);
    session = await connectTestClient();
  });
  afterAll(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await proxy?.close();
    redis?.disconnect();
    await session?.close();
    await backend?.close();
    await deleteQueues(queues.a, `${queues.a}.dead`, queues.b, `${queues.b}.dead`);
  });

  it('completes the chain, with no step run to completion twice', async () => {
    const viaProxy = Object.assign(new URL(AMQP_URL), { port: String(proxy.port) }).toString();
    const env = { BACKEND_API_URL: backend.url };
    const first = spawnCanvasWorker(queues, { ...env, RABBITMQ_URL: viaProxy });
    workers.push(first);
    await first.waitForLine(/worker ready/, 60_000);

    const client = startScenario(queues, 'crash_chain');
    let output = '';
    client.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    client.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => client.on('exit', resolve));
    const ids = await eventually(
      () => {
        const line = output.split('\n').find((l) => l.startsWith('{"first"'));
        return line
          ? (JSON.parse(line) as { first: string; second: string; third: string })
          : undefined;
      },
      30_000,
      'the chain ids',
    );
    // Step one takes 3 s: cut the broker link while it runs.
    await first.waitForLine(/consuming/);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    proxy.cut();
    // Its outcome is durable, its follow-up recorded and not sent: now the worker dies.
    await eventually(
      async () => (await session.results.get(ids.first))?.status === 'SUCCESS',
      30_000,
      'step one stored',
    );
    const record = await redis.get(`burrow-canvas-${ids.first}`);
    expect(record).not.toBeNull();
    expect(record).not.toBe('sent');
    first.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    expect(await session.results.get(ids.second)).toBeNull();

    const second = spawnCanvasWorker(queues, env);
    workers.push(second);
    expect(await exited).toBe(0);
    const result = JSON.parse(output.trim().split('\n').pop() ?? '{}') as { result?: number };
    expect(result.result).toBe(112); // (1 + 1) + 10 + 100
    await second.waitForLine(/sending its follow-ups now/);
    // Each step's side effect happened once: the redelivered step one was not run again.
    const counts = (id: string) => backend.counted.filter((c) => c === id).length;
    expect([counts(ids.first), counts(ids.second), counts(ids.third)]).toEqual([1, 1, 1]);
    expect(await redis.get(`burrow-canvas-${ids.first}`)).toBe('sent');
  });
});
