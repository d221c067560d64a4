import amqplib from 'amqplib';
import { Redis } from 'ioredis';
import { TaskFailedError } from '@burrow/shared';
import { startFakeTwilio, type FakeTwilio } from '../../../testing/fake-twilio';
import { createPrivateVhost, type PrivateVhost } from '../../../testing/private-vhost';
import { REDIS_URL, eventually, uniqueName } from '../../../testing/stack';
import { connectTestClient } from '../../../testing/test-client';
import { spawnBurrow, type WorkerProcess } from '../../../testing/worker-process';

const SEND_SMS = 'tasks.notification_tasks.send_sms_task';
const ACCOUNT_SID = 'AC00000000000000000000000000000002';

/**
 * A real worker process on the catalogue `notifications` queue, on a vhost of its own, with the
 * real Twilio SDK talking to the fake (workers/test/fixtures/fake-providers-worker.js).
 */
describe('send_sms_task end to end: a worker process, the real SDK, the fake Twilio', () => {
  let vhost: PrivateVhost;
  let fake: FakeTwilio;
  let worker: WorkerProcess;
  let session: Awaited<ReturnType<typeof connectTestClient>>;
  let redis: Redis;
  const ids: string[] = [];

  const send = async (phone: string) => {
    const id = await session.client.send(SEND_SMS, {
      phone_number: phone,
      message: 'Hello from burrow',
    });
    ids.push(id);
    return id;
  };

  async function deadLetters(): Promise<number> {
    const connection = await amqplib.connect(vhost.url);
    try {
      const channel = await connection.createChannel();
      return (await channel.checkQueue('notifications.dead')).messageCount;
    } finally {
      await connection.close();
    }
  }

  beforeAll(async () => {
    vhost = await createPrivateVhost('sms-e2e');
    fake = await startFakeTwilio();
    redis = new Redis(REDIS_URL);
    worker = spawnBurrow(
      {
        RABBITMQ_URL: vhost.url,
        TWILIO_FAKE_ORIGIN: fake.origin,
        TWILIO_ACCOUNT_SID: ACCOUNT_SID,
        TWILIO_AUTH_TOKEN: 'e2e-token',
        TWILIO_FROM: '+15005550006',
        RESULT_EXPIRES: '600',
        WORKER_NAME: uniqueName('sms@test'),
      },
      ['--queues', 'notifications'],
      'workers/test/fixtures/fake-providers-worker.js',
    );
    await worker.waitForLine(/worker ready/);
    session = await connectTestClient([], { amqpUrl: vhost.url });
  });

  afterAll(async () => {
    worker?.kill('SIGTERM');
    await worker?.exited;
    await session?.close();
    if (ids.length > 0)
      await redis.del(...ids.flatMap((id) => [`celery-task-meta-${id}`, `burrow-sms-${id}`]));
    redis?.disconnect();
    await fake?.close();
    await vhost?.close();
  });

  it('sends the SMS and stores the SID as the result', async () => {
    const id = await send('+14155550100');
    const result = await session.client.wait<{ sid: string; status: string }>(id, 15_000);
    expect(result).toMatchObject({ sid: expect.stringMatching(/^SM/), status: 'queued' });
    expect(fake.requestsTo('+14155550100')).toEqual([
      expect.objectContaining({ sid: result.sid, accountSid: ACCOUNT_SID }),
    ]);
    expect(worker.output()).not.toContain('Hello from burrow');
    expect(worker.output()).not.toContain('+14155550100');
  });

  it('an invalid number (400, 21211): FAILURE, dead-lettered, not retried', async () => {
    const to = '+15005550001';
    fake.fail({ status: 400, code: 21211, message: 'Invalid To number', to, times: 5 });
    const id = await send(to);
    const failure = await session.client.wait(id, 15_000).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(TaskFailedError);
    expect(await session.results.get(id)).toMatchObject({
      status: 'FAILURE',
      result: { exc_type: 'TwilioRestException', exc_module: 'twilio.base.exceptions' },
    });
    await eventually(async () => (await deadLetters()) === 1, 10_000, 'one dead letter');
    expect(fake.requestsTo(to)).toHaveLength(1);
  });

  it('429 with Retry-After: retried after the delay, then succeeds', async () => {
    const to = '+14155550101';
    fake.fail({ status: 429, code: 20429, message: 'Too Many Requests', retryAfter: '1', to });
    const started = Date.now();
    const id = await send(to);
    const result = await session.client.wait<{ sid: string }>(id, 20_000);
    const requests = fake.requestsTo(to);
    expect(requests.map((r) => r.status)).toEqual([429, 201]);
    expect(requests[1]?.sid).toBe(result.sid);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(await session.results.get(id)).toMatchObject({ status: 'SUCCESS', retries: 1 });
  });
});
