import { Redis } from 'ioredis';
import { startFakeTwilio, type FakeTwilio } from '../../../testing/fake-twilio';
import { createPrivateVhost, type PrivateVhost } from '../../../testing/private-vhost';
import { REDIS_URL, uniqueName } from '../../../testing/stack';
import { connectTestClient } from '../../../testing/test-client';
import { spawnBurrow, type WorkerProcess } from '../../../testing/worker-process';
import { startRecordingBackend, type RecordingBackend } from './recording-backend';

const ITEMS = 30;

/**
 * A worker killed with SIGKILL in the middle of a batch of SMS, some of them sent and answered,
 * some sent but not yet answered (Twilio answers slowly here): the worker that takes the batch
 * over texts every number exactly once.
 */
describe('a worker killed mid-SMS-batch sends no SMS twice', () => {
  let vhost: PrivateVhost;
  let twilio: FakeTwilio;
  let backend: RecordingBackend;
  let session: Awaited<ReturnType<typeof connectTestClient>>;
  let redis: Redis;
  const workers: WorkerProcess[] = [];
  const prefix = `${uniqueName('sms-kill')}:`;
  const run = uniqueName('k');
  const numbers = Array.from({ length: ITEMS }, (_, i) => `+1415556${String(i).padStart(4, '0')}`);

  const startWorker = async (name: string) => {
    const worker = spawnBurrow(
      {
        RABBITMQ_URL: vhost.url,
        REDIS_KEY_PREFIX: prefix,
        TWILIO_FAKE_ORIGIN: twilio.origin,
        TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000005',
        TWILIO_AUTH_TOKEN: 'kill-token',
        TWILIO_FROM: '+15005550006',
        BACKEND_API_URL: backend.url,
        NOTIFICATION_QUEUE_CONCURRENCY: '5',
        RESULT_EXPIRES: '600',
        WORKER_NAME: uniqueName(`${name}@test`),
      },
      ['--queues', 'notifications'],
      'workers/test/fixtures/fake-providers-worker.js',
    );
    workers.push(worker);
    await worker.waitForLine(/worker ready/);
    return worker;
  };

  beforeAll(async () => {
    vhost = await createPrivateVhost('sms-kill');
    twilio = await startFakeTwilio();
    twilio.delayResponses(400);
    backend = await startRecordingBackend();
    backend.answer('GET /internal/notifications/pending', {
      status: 200,
      body: {
        notifications: numbers.map((phone_number, i) => ({
          id: `${run}-${i}`,
          channel: 'sms',
          phone_number,
          message: `Your code is ${1000 + i}`,
        })),
        remaining: 0,
      },
    });
    backend.answer('POST /internal/notifications/results', { status: 200 });
    redis = new Redis(REDIS_URL);
    session = await connectTestClient([], { amqpUrl: vhost.url, keyPrefix: prefix });
  });

  afterAll(async () => {
    for (const worker of workers) worker.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await session?.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis?.disconnect();
    await twilio?.close();
    await backend?.close();
    await vhost?.close();
  });

  it('every number gets exactly one message after a SIGKILL and a takeover', async () => {
    const first = await startWorker('first');
    const id = await session.client.send(
      'tasks.notification_tasks.process_notification_queue_task',
      {
        batch_size: ITEMS,
      },
    );
    // Some answered, and (Twilio answering 400 ms late, 5 at a time) some still unanswered.
    await twilio.waitForRequests(8, { filter: (r) => numbers.includes(r.params.To ?? '') });
    first.kill('SIGKILL');
    await first.exited;
    const sentBeforeKill = twilio.requests.filter((r) =>
      numbers.includes(r.params.To ?? ''),
    ).length;
    expect(sentBeforeKill).toBeLessThan(ITEMS);

    const second = await startWorker('second');
    const result = await session.client.wait(id, 60_000);
    expect(result).toEqual({
      processed: ITEMS,
      succeeded: ITEMS,
      failed: 0,
      queued: 0,
      remaining: 0,
    });
    for (const number of numbers) expect(twilio.requestsTo(number)).toHaveLength(1);
    // The takeover found the messages the first worker sent but never heard back about.
    expect(second.output()).toMatch(/sms found sent by an attempt that died waiting for Twilio/);
    const [report] = backend.to('POST /internal/notifications/results');
    const outcomes = (report?.body as { results: { status: string; detail: { sid: string } }[] })
      .results;
    expect(outcomes.map((o) => o.status)).toEqual(numbers.map(() => 'sent'));
    const sids = new Set(twilio.requests.map((r) => r.sid));
    for (const outcome of outcomes) expect(sids.has(outcome.detail.sid)).toBe(true);
  }, 90_000);
});
