import amqplib from 'amqplib';
import { randomUUID } from 'node:crypto';
import { encodeTaskMessage } from '@burrow/contracts';
import { deleteQueues, spawnFixtureWorker } from '../../../testing/fixture-worker';
import { eventually, uniqueName } from '../../../testing/stack';
import { AMQP_URL } from '../../../testing/stack';
import { connectTestClient, countStatuses } from '../../../testing/test-client';
import type { WorkerProcess } from '../../../testing/worker-process';

const METRICS_PORT = 19152;
const DEFERRED = Number(process.env.TEST_DEFERRED ?? 100_000);

async function workerRssMb(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('burrow_process_resident_memory_bytes'));
  return Number(line?.split(' ').pop()) / 1024 / 1024;
}

describe('delays through the delay levels', () => {
  const queue = uniqueName('delay');
  let worker: WorkerProcess;
  let session: Awaited<ReturnType<typeof connectTestClient>>;

  beforeAll(async () => {
    worker = spawnFixtureWorker(queue, {
      WORKER_HTTP_PORT: String(METRICS_PORT),
      WORKER_CONCURRENCY: '32',
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

  it(`forwards ${DEFERRED / 1000}k Celery messages with a future eta without holding them, then runs them all`, async () => {
    const connection = await amqplib.connect(AMQP_URL);
    const channel = await connection.createConfirmChannel();
    const eta = new Date(Date.now() + Number(process.env.TEST_ETA_MS ?? 60_000)).toISOString();
    const ids: string[] = [];
    // Warm the worker up before taking the baseline.
    const warm = await session.client.send('fixtures.add', [1, 1], { queue });
    await session.client.wait(warm, 10_000);
    const before = await workerRssMb();
    const started = Date.now();
    for (let i = 0; i < DEFERRED; i++) {
      const id = randomUUID();
      ids.push(id);
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
    const published = Date.now();
    process.stdout.write(`published ${DEFERRED} in ${published - started} ms\n`);
    // Every message went through the worker into the delay levels: the task queue is empty
    // while their eta is still ahead, and the worker's memory did not grow with them.
    await eventually(
      async () =>
        (await session.results.getMany([ids[ids.length - 1]!]))[0] === null &&
        (await queueEmpty(queue)),
      120_000,
      'all forwarded',
    );
    const after = await workerRssMb();
    process.stdout.write(`forwarded in ${Date.now() - published} ms after publishing\n`);
    process.stdout.write(
      `${DEFERRED} deferred: worker RSS ${before.toFixed(0)} MB before, ${after.toFixed(0)} MB after\n`,
    );
    expect(after - before).toBeLessThan(60);
    expect(Date.now()).toBeLessThan(Date.parse(eta));
    // Each message re-enters the levels at its own moment, so they come back in no set order.
    await eventually(
      async () => (await countStatuses(session.results, ids)).SUCCESS === DEFERRED,
      240_000,
      'deferred tasks run',
    );
    const late = Date.now() - Date.parse(eta);
    process.stdout.write(`all ${DEFERRED} deferred tasks ran by ${late} ms after their eta\n`);
  });
});

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
