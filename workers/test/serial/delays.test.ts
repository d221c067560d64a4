import amqplib from 'amqplib';
import { randomUUID } from 'node:crypto';
import { encodeTaskMessage } from '@burrow/contracts';
import { deleteQueues, spawnFixtureWorker } from '../../../testing/fixture-worker';
import { eventually, uniqueName } from '../../../testing/stack';
import { AMQP_URL, MGMT_URL } from '../../../testing/stack';
import { connectTestClient } from '../../../testing/test-client';
import type { WorkerProcess } from '../../../testing/worker-process';

const METRICS_PORT = 19152;
const DEFERRED = Number(process.env.TEST_DEFERRED ?? 100_000);

async function workerRssMb(): Promise<number> {
  return (await workerMetric('burrow_process_resident_memory_bytes')) / 1024 / 1024;
}

async function heapUsedMb(): Promise<number> {
  return (await workerMetric('burrow_nodejs_heap_size_used_bytes')) / 1024 / 1024;
}

async function workerMetric(name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name));
  return Number(line?.split(' ').pop());
}

describe('delays through the delay levels', () => {
  const queue = uniqueName('delay');
  let worker: WorkerProcess;
  let session: Awaited<ReturnType<typeof connectTestClient>>;

  beforeAll(async () => {
    worker = spawnFixtureWorker(queue, {
      WORKER_HTTP_PORT: String(METRICS_PORT),
      WORKER_CONCURRENCY: '32',
      // Small enough that holding the deferred messages in memory would crash the worker.
      NODE_OPTIONS: '--max-old-space-size=64',
    });
    await worker.waitForLine(/worker ready/);
    session = await connectTestClient();
  });
  afterAll(async () => {
    worker?.kill('SIGKILL');
    await session?.close();
    await deleteQueues(queue, `${queue}.dead`);
  });

  it.each([1, 5])('a %i s countdown runs within 1.5 s after its target', async (countdown) => {
    const sentAt = Date.now();
    const id = await session.client.send('fixtures.now', {}, { queue, countdown });
    const { ran_at } = await session.client.wait<{ ran_at: number }>(id, (countdown + 10) * 1000);
    const late = ran_at - (sentAt + countdown * 1000);
    process.stdout.write(`countdown ${countdown}s: ran ${late} ms after target\n`);
    expect(late).toBeGreaterThanOrEqual(-500);
    expect(late).toBeLessThanOrEqual(1_500);
  });

  it(`forwards ${DEFERRED / 1000}k Celery messages with a future eta into the delay levels without holding them`, async () => {
    const connection = await amqplib.connect(AMQP_URL);
    const channel = await connection.createConfirmChannel();
    // An hour ahead: the test deletes its queue before they come back, and the broker drops
    // a delayed message whose queue no longer exists.
    const eta = new Date(Date.now() + 3_600_000).toISOString();
    const warm = await session.client.send('fixtures.add', [1, 1], { queue });
    await session.client.wait(warm, 10_000);
    const before = await workerRssMb();
    const heapBefore = await heapUsedMb();
    const started = Date.now();
    for (let i = 0; i < DEFERRED; i++) {
      const id = randomUUID();
      const encoded = encodeTaskMessage({
        id,
        task: 'fixtures.add',
        args: [i, 1],
        eta,
        origin: 'gen1@django',
      });
      channel.publish('', queue, encoded.content, {
        persistent: true,
        contentType: encoded.contentType,
        contentEncoding: encoded.contentEncoding,
        correlationId: id,
        headers: encoded.headers,
      });
      if (i % 2_000 === 1_999) await channel.waitForConfirms();
    }
    await channel.waitForConfirms();
    await connection.close();
    await eventually(
      async () => (await deferredCount()) >= DEFERRED,
      240_000,
      'every message forwarded',
    );
    const seconds = (Date.now() - started) / 1000;
    const after = await workerRssMb();
    // heapUsed includes garbage not yet collected: take the lowest of a few idle samples.
    let heapAfter = Infinity;
    for (let i = 0; i < 12; i++) {
      heapAfter = Math.min(heapAfter, await heapUsedMb());
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    process.stdout.write(
      `${DEFERRED} deferred in ${seconds.toFixed(1)} s (${Math.round(DEFERRED / seconds)}/s incl. publishing): ` +
        `worker heap used ${heapBefore.toFixed(0)} → ${heapAfter.toFixed(0)} MB, RSS ${before.toFixed(0)} → ${after.toFixed(0)} MB\n`,
    );
    // Nothing waits in the task queue and the worker holds at most its prefetch window (2 × 32)
    // unacked (the management figures lag a few seconds): the delay levels hold the rest.
    expect(await queueEmpty(queue)).toBe(true);
    const stats = (await (
      await fetch(`${MGMT_URL}/api/queues/%2F/${queue}`, {
        headers: { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` },
      })
    ).json()) as { messages_unacknowledged: number };
    expect(stats.messages_unacknowledged).toBeLessThanOrEqual(64);
    // The worker runs with a 64 MB old-space cap (see beforeAll): holding 100 000 messages
    // (150 MB or more) would have killed it with an out-of-memory error.
    expect(worker.child.exitCode).toBeNull();
    expect(worker.output()).not.toMatch(/heap out of memory/);
  });
});

async function deferredCount(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('burrow_tasks_total{') && l.includes('outcome="defer"'));
  return line ? Number(line.split(' ').pop()) : 0;
}

async function queueEmpty(queue: string): Promise<boolean> {
  const connection = await amqplib.connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    const { messageCount } = await channel.checkQueue(queue);
    return messageCount === 0;
  } finally {
    await connection.close();
  }
}
