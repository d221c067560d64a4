import { Redis } from 'ioredis';
import { fakeServiceAccountJson, startFakeFcm, type FakeFcm } from '../../../testing/fake-fcm';
import { startFakeTwilio, type FakeTwilio } from '../../../testing/fake-twilio';
import { createPrivateVhost, type PrivateVhost } from '../../../testing/private-vhost';
import { REDIS_URL, uniqueName } from '../../../testing/stack';
import { connectTestClient } from '../../../testing/test-client';
import { spawnBurrow, type WorkerProcess } from '../../../testing/worker-process';

const FCM_RATE = 20;
const TWILIO_RATE = 5;

/** The most arrivals inside any window of `ms`. */
function busiestWindow(times: readonly number[], ms: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let start = 0, end = 0; end < sorted.length; end += 1) {
    while ((sorted[end] as number) - (sorted[start] as number) >= ms) start += 1;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/**
 * FCM_RATE_PER_SECOND and TWILIO_RATE_PER_SECOND are fleet-wide: two worker processes sharing
 * one Redis key prefix stay under one rate together.
 */
describe('provider rates hold across two worker processes', () => {
  let vhost: PrivateVhost;
  let fcm: FakeFcm;
  let twilio: FakeTwilio;
  let workers: WorkerProcess[] = [];
  let session: Awaited<ReturnType<typeof connectTestClient>>;
  let redis: Redis;
  const prefix = `${uniqueName('rates')}:`;

  beforeAll(async () => {
    vhost = await createPrivateVhost('provider-rates');
    fcm = await startFakeFcm();
    twilio = await startFakeTwilio();
    redis = new Redis(REDIS_URL);
    const env = {
      RABBITMQ_URL: vhost.url,
      REDIS_KEY_PREFIX: prefix,
      FCM_FAKE_PORT: String(fcm.port),
      FCM_CREDENTIALS_JSON: fakeServiceAccountJson('rates'),
      FCM_RATE_PER_SECOND: String(FCM_RATE),
      TWILIO_FAKE_ORIGIN: twilio.origin,
      TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000004',
      TWILIO_AUTH_TOKEN: 'rates-token',
      TWILIO_FROM: '+15005550006',
      TWILIO_RATE_PER_SECOND: String(TWILIO_RATE),
      RESULT_EXPIRES: '600',
    };
    workers = ['a', 'b'].map((name) =>
      spawnBurrow(
        { ...env, WORKER_NAME: uniqueName(`rates-${name}@test`) },
        ['--queues', 'notifications'],
        'workers/test/fixtures/fake-providers-worker.js',
      ),
    );
    await Promise.all(workers.map((w) => w.waitForLine(/worker ready/)));
    session = await connectTestClient([], { amqpUrl: vhost.url, keyPrefix: prefix });
    // Warm-up, unmeasured: each worker's first request also opens its session (and fetches
    // FCM's OAuth token), which would make the first measured arrival late.
    const warmups = await Promise.all(
      Array.from({ length: 4 }, (_, i) => [
        session.client.send('tasks.notification_tasks.send_push_notification_task', {
          user_tokens: [`warm-${prefix}${i}`],
          title: 'Warm',
          body: 'up',
        }),
        session.client.send('tasks.notification_tasks.send_sms_task', {
          phone_number: `+1415555${String(100 + i).padStart(4, '0')}`,
          message: 'warm up',
        }),
      ]).flat(),
    );
    for (const id of warmups) await session.client.wait(id, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }, 60_000);

  afterAll(async () => {
    for (const worker of workers) worker.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.exited));
    await session?.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis?.disconnect();
    await fcm?.close();
    await twilio?.close();
    await vhost?.close();
  });

  it(`push: 60 tokens from two workers at ${FCM_RATE}/s take about 3 s, never a second over`, async () => {
    const run = uniqueName('rated');
    const ids = await Promise.all(
      Array.from({ length: 6 }, (_, task) =>
        session.client.send('tasks.notification_tasks.send_push_notification_task', {
          user_tokens: Array.from({ length: 10 }, (_, i) => `${run}-${task}-${i}`),
          title: 'Rated',
          body: 'push',
        }),
      ),
    );
    for (const id of ids) await session.client.wait(id, 30_000);
    const times = fcm.requests.filter((r) => r.token.startsWith(run)).map((r) => r.at);
    expect(times).toHaveLength(60);
    // Bursts of one multicast (10 tokens) spaced so that the average is the rate.
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(
      ((60 - 10) / FCM_RATE) * 1000 - 400,
    );
    expect(busiestWindow(times, 1_000)).toBeLessThanOrEqual(FCM_RATE + 10);
    for (const worker of workers) expect(worker.output()).toMatch(/"message":"push sent"/);
  });

  it(`sms: 12 messages from two workers at ${TWILIO_RATE}/s take over 2 s`, async () => {
    const ids = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        session.client.send('tasks.notification_tasks.send_sms_task', {
          phone_number: `+1415555${String(200 + i).padStart(4, '0')}`,
          message: 'rated sms',
        }),
      ),
    );
    for (const id of ids) await session.client.wait(id, 30_000);
    const times = twilio.requests
      .filter((r) => r.params.Body === 'rated sms')
      .map((r) => r.at ?? 0);
    expect(times).toHaveLength(12);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(
      ((12 - 1) / TWILIO_RATE) * 1000 - 400,
    );
    expect(busiestWindow(times, 1_000)).toBeLessThanOrEqual(TWILIO_RATE + 1);
    for (const worker of workers) expect(worker.output()).toMatch(/"message":"sms sent"/);
  });
});
