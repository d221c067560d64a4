import amqplib from 'amqplib';
import { Redis } from 'ioredis';
import { TaskFailedError } from '@burrow/shared';
import { fakeServiceAccountJson, startFakeFcm, type FakeFcm } from '../../../testing/fake-fcm';
import { createPrivateVhost, type PrivateVhost } from '../../../testing/private-vhost';
import { REDIS_URL, eventually, uniqueName } from '../../../testing/stack';
import { connectTestClient } from '../../../testing/test-client';
import { spawnBurrow, type WorkerProcess } from '../../../testing/worker-process';
import { startRecordingBackend, type RecordingBackend } from './recording-backend';

const PUSH = 'tasks.notification_tasks.send_push_notification_task';
const PROJECT = 'burrow-e2e';

interface PushResult {
  success_count: number;
  failure_count: number;
  invalid_tokens: string[];
  errors?: Record<string, number>;
  failed_tokens?: { token: string; error: string }[];
  invalid_tokens_reported?: boolean;
}

/** Device tokens as FCM issues them: long, opaque, unique per run. */
function deviceTokens(count: number, tag: string): string[] {
  const run = uniqueName(tag);
  return Array.from({ length: count }, (_, i) => `${run}:APA91b${String(i).padStart(6, '0')}x`);
}

/**
 * A real worker process on the catalogue `notifications` queue (a vhost of its own), with the
 * real firebase-admin SDK: its service-account credential signs a real OAuth assertion and its
 * HTTP/2 session dials the local fake FCM (workers/test/fixtures/fake-providers-worker.js).
 */
describe('send_push_notification_task end to end: a worker process, firebase-admin, a fake FCM', () => {
  let vhost: PrivateVhost;
  let fcm: FakeFcm;
  let backend: RecordingBackend;
  let worker: WorkerProcess;
  let session: Awaited<ReturnType<typeof connectTestClient>>;
  let redis: Redis;
  const ids: string[] = [];

  const send = async (kwargs: Record<string, unknown>) => {
    const id = await session.client.send(PUSH, kwargs);
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
    vhost = await createPrivateVhost('push-e2e');
    fcm = await startFakeFcm();
    backend = await startRecordingBackend();
    backend.answer('POST /internal/notifications/invalid-tokens', { status: 200 });
    redis = new Redis(REDIS_URL);
    worker = spawnBurrow(
      {
        RABBITMQ_URL: vhost.url,
        FCM_FAKE_PORT: String(fcm.port),
        FCM_CREDENTIALS_JSON: fakeServiceAccountJson(PROJECT),
        BACKEND_API_URL: backend.url,
        BACKEND_API_KEY: 'push-e2e-key',
        RESULT_EXPIRES: '600',
        WORKER_NAME: uniqueName('push@test'),
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
      await redis.del(...ids.flatMap((id) => [`celery-task-meta-${id}`, `burrow-push-${id}`]));
    redis?.disconnect();
    await fcm?.close();
    await backend?.close();
    await vhost?.close();
  });

  it('1 200 tokens go out in 3 multicasts, once each; the 5 unregistered are reported to the backend', async () => {
    const tokens = deviceTokens(1_200, 'bulk');
    const dead = [tokens[3], tokens[499], tokens[500], tokens[777], tokens[1_199]] as string[];
    fcm.unregister(dead);
    const id = await send({
      user_tokens: tokens,
      title: 'Price drop',
      body: 'A car you follow is cheaper now',
      data: { car_id: '42' },
    });
    const result = await session.client.wait<PushResult>(id, 30_000);

    expect(result).toEqual({
      success_count: 1_195,
      failure_count: 5,
      invalid_tokens: dead,
      errors: { 'registration-token-not-registered': 5 },
      invalid_tokens_reported: true,
    });
    const mine = fcm.requests.filter((r) => tokens.includes(r.token));
    expect(mine).toHaveLength(1_200);
    expect(new Set(mine.map((r) => r.token)).size).toBe(1_200);
    expect(mine[0]).toMatchObject({
      projectId: PROJECT,
      authorization: 'Bearer fake-access-token',
      httpVersion: '2.0',
      message: {
        notification: { title: 'Price drop', body: 'A car you follow is cheaper now' },
        data: { car_id: '42' },
      },
    });
    expect(fcm.tokenRequests).toBeGreaterThanOrEqual(1);
    expect(worker.output()).toMatch(/"message":"push sent".*"multicasts":3/);

    const reports = backend.to('POST /internal/notifications/invalid-tokens');
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({
      apiKey: 'push-e2e-key',
      idempotencyKey: expect.stringMatching(new RegExp(`^${id}:invalid-tokens:`)),
      body: {
        task_id: id,
        tokens: [...dead].sort(),
        reasons: Object.fromEntries(dead.map((t) => [t, 'registration-token-not-registered'])),
      },
    });
    // Tokens and bodies never reach the logs.
    expect(worker.output()).not.toContain(tokens[0]);
    expect(worker.output()).not.toContain('A car you follow');
  });

  it('FCM 503 past the SDK retries: the next attempt pushes only the failed tokens, none twice', async () => {
    const tokens = deviceTokens(40, 'flaky');
    const flaky = tokens.slice(0, 6);
    // firebase-admin itself retries a 503 four times; the fifth failure reaches burrow.
    fcm.fail({ error: 'UNAVAILABLE', times: 5, tokens: flaky });
    const id = await send({ user_tokens: tokens, title: 'Hello', body: 'again' });
    const result = await session.client.wait<PushResult>(id, 45_000);

    expect(result).toMatchObject({ success_count: 40, failure_count: 0, invalid_tokens: [] });
    expect(await session.results.get(id)).toMatchObject({ status: 'SUCCESS', retries: 1 });
    const delivered = fcm.delivered().filter((t) => tokens.includes(t));
    expect(delivered.sort()).toEqual([...tokens].sort());
    for (const token of tokens.slice(6))
      expect(fcm.requests.filter((r) => r.token === token)).toHaveLength(1);
    for (const token of flaky)
      expect(fcm.requests.filter((r) => r.token === token).map((r) => r.status)).toEqual([
        503, 503, 503, 503, 503, 200,
      ]);
  }, 60_000);

  it('user_id: sends to the devices the backend lists for the user', async () => {
    const tokens = deviceTokens(3, 'user');
    backend.answer('GET /internal/users/7001/devices', {
      status: 200,
      body: { tokens: tokens.map((token) => token) },
    });
    const id = await send({ user_id: 7001, title: 'Welcome', body: 'Your listing is live' });
    const result = await session.client.wait<PushResult>(id, 15_000);
    expect(result).toMatchObject({ success_count: 3, failure_count: 0 });
    expect(
      fcm
        .delivered()
        .filter((t) => tokens.includes(t))
        .sort(),
    ).toEqual([...tokens].sort());
    expect(backend.to('GET /internal/users/7001/devices')[0]).toMatchObject({
      apiKey: 'push-e2e-key',
    });
  });

  it('sender mismatch fails that token without a retry; the others are delivered', async () => {
    const tokens = deviceTokens(4, 'mismatch');
    fcm.fail({ error: 'SENDER_ID_MISMATCH', tokens: [tokens[1] as string], times: 10 });
    const id = await send({ user_tokens: tokens, title: 'Hi', body: 'there' });
    const result = await session.client.wait<PushResult>(id, 15_000);
    expect(result).toEqual({
      success_count: 3,
      failure_count: 1,
      invalid_tokens: [],
      errors: { 'mismatched-credential': 1 },
      failed_tokens: [{ token: tokens[1], error: 'mismatched-credential' }],
    });
    expect(await session.results.get(id)).toMatchObject({ status: 'SUCCESS', retries: 0 });
    expect(fcm.requests.filter((r) => r.token === tokens[1])).toHaveLength(1);
  });

  it('a message FCM refuses for every token (invalid argument): FAILURE, dead-lettered, not retried', async () => {
    const before = await deadLetters();
    const tokens = deviceTokens(3, 'badmsg');
    fcm.fail({ error: 'INVALID_ARGUMENT', tokens, times: 10 });
    const id = await send({ user_tokens: tokens, title: 'Bad', body: 'payload' });
    const failure = await session.client.wait(id, 15_000).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(TaskFailedError);
    expect(await session.results.get(id)).toMatchObject({
      status: 'FAILURE',
      retries: 0,
      result: {
        exc_type: 'FirebaseError',
        exc_module: 'firebase_admin.exceptions',
        exc_message: [expect.stringMatching(/invalid argument/)],
      },
    });
    await eventually(async () => (await deadLetters()) === before + 1, 10_000, 'a dead letter');
    expect(fcm.requests.filter((r) => tokens.includes(r.token))).toHaveLength(3);
  });

  it('the legacy FCM_SERVER_KEY alone: the worker refuses to start and says what to set', async () => {
    const refused = spawnBurrow(
      {
        RABBITMQ_URL: vhost.url,
        FCM_SERVER_KEY: 'AAAA-legacy-key',
        WORKER_NAME: uniqueName('legacy'),
      },
      ['--queues', 'notifications'],
    );
    expect(await refused.exited).not.toBe(0);
    expect(refused.output()).toMatch(/FCM_SERVER_KEY is the legacy FCM API key/);
    expect(refused.output()).toMatch(/FCM_CREDENTIALS_FILE/);
    expect(refused.output()).not.toContain('AAAA-legacy-key');
  });
});
