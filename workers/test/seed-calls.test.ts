import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import amqplib from 'amqplib';
import { Redis } from 'ioredis';
import type { ResultMeta } from '@burrow/shared';
import { fakeServiceAccountJson, startFakeFcm, type FakeFcm } from '../../testing/fake-fcm';
import { startTestSmtpServer, type TestSmtpServer } from '../../testing/smtp-server';
import { AMQP_URL, MGMT_URL, REDIS_URL, REPO_ROOT, uniqueName } from '../../testing/stack';
import { spawnBurrow, type WorkerProcess } from '../../testing/worker-process';
import { startFakeDataBackend } from './data-processing/fake-data-backend';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const MESSAGE_ID_DOMAIN = 'seed.burrow.test';

/** What seed_client.py reports for one call: its task id and what `.get()` gave. */
interface CallOutcome {
  readonly id: string;
  readonly result?: unknown;
  readonly raised?: [string, string];
}
type SeedOutput = Record<
  | 'email_args'
  | 'email_kwargs'
  | 'push_args'
  | 'push_kwargs'
  | 'user_data_args'
  | 'user_data_kwargs',
  CallOutcome
>;

/**
 * The catalogue queues have fixed names that other workers on the local broker also consume, so
 * the test gets a RabbitMQ virtual host of its own: the Celery client and the worker meet there
 * and nothing else sees their messages.
 */
async function management(method: 'PUT' | 'DELETE', resource: string, body?: object) {
  const { username, password } = new URL(AMQP_URL);
  const response = await fetch(`${MGMT_URL}/api/${resource}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
      'content-type': 'application/json',
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (!response.ok) throw new Error(`${method} ${resource}: ${response.status}`);
}

describe("the seed backend's calls through the real Celery client", () => {
  const vhost = uniqueName('seed-calls');
  const brokerUrl = Object.assign(new URL(AMQP_URL), { pathname: `/${vhost}` }).toString();
  let smtp: TestSmtpServer;
  let fcm: FakeFcm;
  let worker: WorkerProcess;
  let redis: Redis;
  let out: SeedOutput;

  /** The stored Celery result of a call, as `AsyncResult` reads it. */
  async function storedResult(call: CallOutcome): Promise<ResultMeta> {
    const text = await redis.get(`celery-task-meta-${call.id}`);
    if (text === null) throw new Error(`no result stored for ${call.id}`);
    return JSON.parse(text) as ResultMeta;
  }

  async function deadLetters(queue: string): Promise<number> {
    const connection = await amqplib.connect(brokerUrl);
    try {
      const channel = await connection.createChannel();
      return (await channel.checkQueue(`${queue}.dead`)).messageCount;
    } finally {
      await connection.close();
    }
  }

  beforeAll(async () => {
    await management('PUT', `vhosts/${vhost}`, {});
    await management('PUT', `permissions/${vhost}/${new URL(AMQP_URL).username}`, {
      configure: '.*',
      write: '.*',
      read: '.*',
    });
    smtp = await startTestSmtpServer();
    fcm = await startFakeFcm();
    redis = new Redis(REDIS_URL);
    worker = spawnBurrow(
      {
        RABBITMQ_URL: brokerUrl,
        FCM_FAKE_PORT: String(fcm.port),
        FCM_CREDENTIALS_JSON: fakeServiceAccountJson('seed-calls'),
        SMTP_HOST: smtp.host,
        SMTP_PORT: String(smtp.port),
        SMTP_TIMEOUT: '5',
        SMTP_FROM: 'Burrow <noreply@burrow.test>',
        EMAIL_MESSAGE_ID_DOMAIN: MESSAGE_ID_DOMAIN,
        RESULT_EXPIRES: '600',
        WORKER_NAME: 'seed-calls@test',
      },
      ['--queues', 'email,notifications,data_processing'],
      'workers/test/fixtures/fake-providers-worker.js',
    );
    await worker.waitForLine(/worker ready/);
    const { stdout } = await run(
      PYTHON,
      [
        path.join(__dirname, 'interop/seed_client.py'),
        brokerUrl,
        REDIS_URL,
        path.join(REPO_ROOT, 'docs/celery_config.py'),
      ],
      { timeout: 40_000 },
    );
    out = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as SeedOutput;
  });

  afterAll(async () => {
    worker?.kill('SIGTERM');
    await worker?.exited;
    await smtp?.close();
    await fcm?.close();
    if (out) await redis.del(...Object.values(out).map((call) => `celery-task-meta-${call.id}`));
    redis?.disconnect();
    await management('DELETE', `vhosts/${vhost}`);
  });

  it('send_email(to_email, subject, body): SUCCESS, and the mail arrives, both ways', async () => {
    const calls = [out.email_args, out.email_kwargs];
    for (const call of calls) {
      expect(call.result).toEqual({
        message_id: `<${call.id}@${MESSAGE_ID_DOMAIN}>`,
        accepted: ['user@example.com'],
        rejected: [],
      });
    }
    const ids = new Set(calls.map((call) => `<${call.id}@${MESSAGE_ID_DOMAIN}>`));
    const mails = await smtp.waitForMails(2, { filter: (mail) => ids.has(mail.messageId) });
    for (const mail of mails) {
      expect(mail.envelopeTo).toEqual(['user@example.com']);
      expect(mail.subject).toBe('Welcome!');
      expect(mail.text.trim()).toBe('Welcome to our service!');
    }
  });

  it("send_push_notification(user_tokens, title, body): SUCCESS with the seed's counts, both ways", async () => {
    for (const call of [out.push_args, out.push_kwargs]) {
      expect(call.result).toEqual({ success_count: 2, failure_count: 0, invalid_tokens: [] });
      const meta = await storedResult(call);
      expect(meta).toMatchObject({
        status: 'SUCCESS',
        kwargs: {
          user_tokens: ['fcm_token_1', 'fcm_token_2'],
          title: 'New Message',
          body: 'You have a new message',
        },
      });
      expect(Object.keys(meta.kwargs ?? {}).sort()).toEqual(['body', 'title', 'user_tokens']);
    }
    // Both calls reached FCM, each device once per call.
    const sent = fcm.requests.filter((r) => r.status === 200);
    expect(sent.map((r) => r.token).sort()).toEqual([
      'fcm_token_1',
      'fcm_token_1',
      'fcm_token_2',
      'fcm_token_2',
    ]);
    expect(sent[0]?.message).toMatchObject({
      notification: { title: 'New Message', body: 'You have a new message' },
    });
    expect(await deadLetters('notifications')).toBe(0);
  });

  it('process_user_data(user_id, data_type, data): SUCCESS, the outcome posted, both ways', async () => {
    // The calls need a backend: a vhost, a fake backend and a data_processing worker of their own.
    const userVhost = uniqueName('seed-user-data');
    const userBroker = Object.assign(new URL(AMQP_URL), { pathname: `/${userVhost}` }).toString();
    await management('PUT', `vhosts/${userVhost}`, {});
    await management('PUT', `permissions/${userVhost}/${new URL(AMQP_URL).username}`, {
      configure: '.*',
      write: '.*',
      read: '.*',
    });
    const backend = await startFakeDataBackend();
    const dataWorker = spawnBurrow(
      {
        RABBITMQ_URL: userBroker,
        BACKEND_API_URL: backend.url,
        BACKEND_API_KEY: 'seed-key',
        RESULT_EXPIRES: '600',
        WORKER_NAME: 'seed-user-data@test',
      },
      ['--queues', 'data_processing'],
    );
    let calls: Partial<SeedOutput> = {};
    try {
      await dataWorker.waitForLine(/worker ready/);
      const { stdout } = await run(
        PYTHON,
        [
          path.join(__dirname, 'interop/seed_client.py'),
          userBroker,
          REDIS_URL,
          path.join(REPO_ROOT, 'docs/celery_config.py'),
          'user_data',
        ],
        { timeout: 40_000 },
      );
      calls = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Partial<SeedOutput>;
      for (const call of [calls.user_data_args, calls.user_data_kwargs]) {
        expect(call?.result).toEqual({
          user_id: 123,
          data_type: 'profile_update',
          completed: ['profile_update'],
          failed: [],
        });
        const meta = await storedResult(call!);
        expect(meta.status).toBe('SUCCESS');
        expect(meta.kwargs).toEqual({
          user_id: 123,
          data_type: 'profile_update',
          data: { name: 'John Doe' },
        });
        expect(backend.received.filter((r) => r.idempotencyKey === call!.id)).toEqual([
          expect.objectContaining({
            method: 'POST',
            path: '/internal/users/123/data/profile_update',
            body: { user_id: 123, data_type: 'profile_update', changes: { name: 'John Doe' } },
            apiKey: 'seed-key',
          }),
        ]);
      }
    } finally {
      dataWorker.kill('SIGTERM');
      await dataWorker.exited;
      const ids = Object.values(calls).map((call) => `celery-task-meta-${call.id}`);
      if (ids.length > 0) await redis.del(...ids);
      await backend.close();
      await management('DELETE', `vhosts/${userVhost}`);
    }
  });
});
