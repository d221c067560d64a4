import amqplib from 'amqplib';
import { Redis } from 'ioredis';
import { fakeServiceAccountJson, startFakeFcm, type FakeFcm } from '../../../testing/fake-fcm';
import { startFakeTwilio, type FakeTwilio } from '../../../testing/fake-twilio';
import { createPrivateVhost, type PrivateVhost } from '../../../testing/private-vhost';
import { REDIS_URL, uniqueName } from '../../../testing/stack';
import { connectTestClient } from '../../../testing/test-client';
import { spawnBurrow, type WorkerProcess } from '../../../testing/worker-process';
import { startRecordingBackend, type RecordingBackend } from './recording-backend';

const QUEUE_TASK = 'tasks.notification_tasks.process_notification_queue_task';

/**
 * process_notification_queue_task end to end: a worker process with firebase-admin and twilio
 * on their local fakes, a real HTTP backend handing out a mixed batch, the email items landing
 * on the email queue of the same (private) vhost.
 */
describe('process_notification_queue_task: a mixed batch with per-item outcomes', () => {
  let vhost: PrivateVhost;
  let fcm: FakeFcm;
  let twilio: FakeTwilio;
  let backend: RecordingBackend;
  let worker: WorkerProcess;
  let session: Awaited<ReturnType<typeof connectTestClient>>;
  let redis: Redis;
  const run = uniqueName('q');
  const keys: string[] = [];

  const items = [
    {
      id: `${run}-1`,
      channel: 'push',
      user_tokens: [`${run}-tok-a`, `${run}-tok-dead`],
      title: 'New offer',
      body: 'Someone made an offer',
    },
    {
      id: `${run}-2`,
      channel: 'sms',
      phone_number: '+14155550170',
      message: 'Your code is 123456',
    },
    {
      id: `${run}-3`,
      channel: 'email',
      to_email: 'buyer@example.com',
      subject: 'Receipt',
      body: 'Thanks',
    },
    { id: `${run}-4`, channel: 'sms', phone_number: '+15005550001', message: 'Unreachable' },
    { id: `${run}-5`, channel: 'sms', phone_number: '0501234567', message: 'Not E.164' },
    { id: `${run}-6`, channel: 'fax', to: 'nowhere' },
  ];

  beforeAll(async () => {
    vhost = await createPrivateVhost('notification-queue');
    fcm = await startFakeFcm();
    twilio = await startFakeTwilio();
    backend = await startRecordingBackend();
    backend.answer('GET /internal/notifications/pending', {
      status: 200,
      body: { notifications: items, remaining: 7 },
    });
    backend.answer('POST /internal/notifications/results', { status: 200 });
    backend.answer('POST /internal/notifications/invalid-tokens', { status: 200 });
    fcm.unregister([`${run}-tok-dead`]);
    twilio.fail({
      status: 400,
      code: 21211,
      message: 'Invalid To number',
      to: '+15005550001',
      times: 10,
    });
    redis = new Redis(REDIS_URL);
    worker = spawnBurrow(
      {
        RABBITMQ_URL: vhost.url,
        FCM_FAKE_PORT: String(fcm.port),
        FCM_CREDENTIALS_JSON: fakeServiceAccountJson('queue-e2e'),
        TWILIO_FAKE_ORIGIN: twilio.origin,
        TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000003',
        TWILIO_AUTH_TOKEN: 'queue-token',
        TWILIO_FROM: '+15005550006',
        BACKEND_API_URL: backend.url,
        BACKEND_API_KEY: 'queue-key',
        RESULT_EXPIRES: '600',
        WORKER_NAME: uniqueName('queue@test'),
      },
      ['--queues', 'notifications'],
      'workers/test/fixtures/fake-providers-worker.js',
    );
    await worker.waitForLine(/worker ready/);
    session = await connectTestClient(['email'], { amqpUrl: vhost.url });
  });

  afterAll(async () => {
    worker?.kill('SIGTERM');
    await worker?.exited;
    await session?.close();
    if (keys.length > 0) await redis.del(...keys);
    redis?.disconnect();
    await fcm?.close();
    await twilio?.close();
    await backend?.close();
    await vhost?.close();
  });

  it('delivers each item once, reports every outcome to the backend, hands emails to the email queue', async () => {
    const id = await session.client.send(QUEUE_TASK, { batch_size: 50 });
    keys.push(
      `celery-task-meta-${id}`,
      ...items.map((i) => `burrow-sms-notification-${i.id}`),
      ...items.map((i) => `burrow-push-notification-${i.id}`),
    );
    const result = await session.client.wait(id, 20_000);
    expect(result).toEqual({ processed: 6, succeeded: 3, failed: 3, queued: 1, remaining: 7 });

    expect(backend.to('GET /internal/notifications/pending')[0]?.path).toBe(
      '/internal/notifications/pending?limit=50',
    );
    const [report] = backend.to('POST /internal/notifications/results');
    expect(report).toMatchObject({ apiKey: 'queue-key', idempotencyKey: `${id}:results` });
    const outcomes = (report?.body as { results: Record<string, unknown>[] }).results;
    expect(outcomes).toEqual([
      {
        id: `${run}-1`,
        channel: 'push',
        status: 'sent',
        detail: {
          success_count: 1,
          failure_count: 1,
          invalid_tokens: [`${run}-tok-dead`],
          errors: { 'registration-token-not-registered': 1 },
          invalid_tokens_reported: true,
        },
      },
      {
        id: `${run}-2`,
        channel: 'sms',
        status: 'sent',
        detail: { sid: expect.stringMatching(/^SM/) },
      },
      {
        id: `${run}-3`,
        channel: 'email',
        status: 'queued',
        detail: { task_id: `notification-${run}-3` },
      },
      {
        id: `${run}-4`,
        channel: 'sms',
        status: 'failed',
        retryable: false,
        code: 'twilio_21211',
        error: expect.stringMatching(/Invalid To/),
      },
      {
        id: `${run}-5`,
        channel: 'sms',
        status: 'failed',
        retryable: false,
        code: 'schema',
        error: expect.stringMatching(/phone_number/),
      },
      {
        id: `${run}-6`,
        channel: 'fax',
        status: 'failed',
        retryable: false,
        code: 'invalid_item',
        error: expect.stringMatching(/unknown channel "fax"/),
      },
    ]);

    // The email item is a send_email_task on the email queue, under the item's own id.
    const connection = await amqplib.connect(vhost.url);
    const channel = await connection.createChannel();
    const email = await channel.get('email', { noAck: true });
    await connection.close();
    expect(email && email.properties.headers?.task).toBe('tasks.email_tasks.send_email_task');
    expect(email && email.properties.headers?.id).toBe(`notification-${run}-3`);

    expect(twilio.requestsTo('+14155550170')).toHaveLength(1);
    expect(fcm.requests.filter((r) => r.token.startsWith(run))).toHaveLength(2);
    expect(worker.output()).not.toContain('Your code is 123456');
  });

  it('the same items handed out again (the report was lost): nothing is sent twice', async () => {
    const id = await session.client.send(QUEUE_TASK, { batch_size: 50 });
    keys.push(`celery-task-meta-${id}`);
    const result = await session.client.wait(id, 20_000);
    expect(result).toMatchObject({ processed: 6, succeeded: 3, failed: 3 });
    expect(twilio.requestsTo('+14155550170')).toHaveLength(1);
    expect(fcm.requests.filter((r) => r.token.startsWith(run))).toHaveLength(2);
    expect(backend.to('POST /internal/notifications/invalid-tokens')).toHaveLength(1);
  });
});
