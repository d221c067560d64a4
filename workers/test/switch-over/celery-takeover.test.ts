import { randomUUID } from 'node:crypto';
import { UnroutableTaskError, type TaskClient } from '@burrow/shared';
import { createPrivateVhost, type PrivateVhost } from '../../../testing/private-vhost';
import { startTestSmtpServer, type TestSmtpServer } from '../../../testing/smtp-server';
import { AMQP_URL, MGMT_URL, REDIS_URL, eventually, uniqueName } from '../../../testing/stack';
import { connectTestClient } from '../../../testing/test-client';
import { spawnBurrow, type WorkerProcess } from '../../../testing/worker-process';
import { cancelPythonConsumer, startPythonWorker, type PythonWorker } from './python-worker';

const EMAIL = 'tasks.email_tasks.send_email_task';
const HEALTH = 'tasks.cleanup_tasks.system_health_check_task';
const PYTHON_MARK = { ran_by: 'python-celery' };

interface QueueInfo {
  readonly type: string;
  readonly arguments: Record<string, unknown>;
  readonly consumers: number;
}

/** A queue as the management API shows it (type, arguments, consumer count). */
async function queueInfo(vhost: string, queue: string): Promise<QueueInfo> {
  const { username, password } = new URL(AMQP_URL);
  const response = await fetch(
    `${MGMT_URL}/api/queues/${encodeURIComponent(vhost)}/${encodeURIComponent(queue)}`,
    {
      headers: {
        authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
      },
    },
  );
  if (!response.ok) throw new Error(`GET queue ${queue}: ${response.status}`);
  return (await response.json()) as QueueInfo;
}

/**
 * The switch-over the seed's team makes: their Python Celery workers declared classic queues
 * and serve `email` and `cleanup`; a burrow worker on QUEUE_TYPE=classic takes `email` over on
 * the same broker while Python keeps `cleanup`.
 */
describe('switching one queue from Python Celery workers to burrow', () => {
  let vhost: PrivateVhost;
  let smtp: TestSmtpServer;
  let python: PythonWorker;
  let burrow: WorkerProcess | undefined;
  let client: TaskClient;
  let closeClient: () => Promise<void>;
  const pythonNode = `${uniqueName('py')}@switchover`;

  const send = (name: string, kwargs: Record<string, unknown>, countdown?: number) =>
    client.send(name, kwargs, {
      taskId: `switch-${randomUUID()}`,
      ...(countdown ? { countdown } : {}),
    });
  const email = (to: string) => ({ to_email: to, subject: 'Switch-over', body: 'Hello' });

  beforeAll(async () => {
    vhost = await createPrivateVhost('switch-over');
    smtp = await startTestSmtpServer();
    python = startPythonWorker({
      brokerUrl: vhost.url,
      backendUrl: REDIS_URL,
      queues: ['email', 'cleanup'],
      nodeName: pythonNode,
    });
    await python.waitForLine(/ready\./, 60_000);
    // A publisher that declares nothing: the queues are Python's.
    const testClient = await connectTestClient([], { amqpUrl: vhost.url });
    client = testClient.client;
    closeClient = () => testClient.close();
  }, 90_000);

  afterAll(async () => {
    burrow?.kill('SIGTERM');
    await burrow?.exited;
    await python?.stop();
    await closeClient?.();
    await smtp?.close();
    await vhost?.close();
  }, 60_000);

  it('starts with Python serving both queues, on classic queues it declared itself', async () => {
    for (const queue of ['email', 'cleanup']) {
      const info = await queueInfo(vhost.name, queue);
      expect(info.type).toBe('classic');
      expect(info.arguments).toEqual({});
    }
    const id = await send(EMAIL, email('before@example.com'));
    expect(await client.wait(id, 20_000)).toMatchObject(PYTHON_MARK);
  }, 30_000);

  it('a burrow worker on the default quorum queues refuses to start, naming QUEUE_TYPE=classic', async () => {
    const refused = spawnBurrow({ RABBITMQ_URL: vhost.url, WORKER_NAME: 'quorum@switchover' }, [
      '--queues',
      'email',
    ]);
    expect(await refused.exited).toBe(78);
    const output = refused.output();
    expect(output).toMatch(/queue 'email' already exists as a classic queue/);
    expect(output).toMatch(/QUEUE_TYPE=classic/);
    expect(output).toMatch(/configuration error/);
    // Still Python's, untouched.
    expect((await queueInfo(vhost.name, 'email')).type).toBe('classic');
  }, 40_000);

  it('with QUEUE_TYPE=classic burrow takes over email; Python keeps cleanup', async () => {
    burrow = spawnBurrow(
      {
        RABBITMQ_URL: vhost.url,
        QUEUE_TYPE: 'classic',
        WORKER_NAME: 'burrow@switchover',
        SMTP_HOST: smtp.host,
        SMTP_PORT: String(smtp.port),
        SMTP_TIMEOUT: '5',
        SMTP_FROM: 'Burrow <noreply@burrow.test>',
        RESULT_EXPIRES: '600',
      },
      ['--queues', 'email'],
    );
    await burrow.waitForLine(/worker ready/, 40_000);
    expect(burrow.output()).toMatch(/QUEUE_TYPE=classic/); // the redelivery-backstop warning
    // It declared only what it consumes: cleanup is still Python's alone, nothing else appeared.
    expect((await queueInfo(vhost.name, 'email')).type).toBe('classic');
    // The management API's consumer counts lag by a stats interval.
    await eventually(
      async () => (await queueInfo(vhost.name, 'email')).consumers === 2,
      20_000,
      'email to have the Python and the burrow consumer',
    );
    expect((await queueInfo(vhost.name, 'cleanup')).consumers).toBe(1);
    await expect(queueInfo(vhost.name, 'notifications')).rejects.toThrow(/404/);
    expect((await queueInfo(vhost.name, 'email.dead')).type).toBe('quorum');

    // The Python worker stops consuming email (one node only: burrow answers remote control too).
    const reply = await cancelPythonConsumer(
      { brokerUrl: vhost.url, backendUrl: REDIS_URL, nodeName: pythonNode },
      'email',
    );
    expect(reply).toMatch(/no longer consuming from/);
    await eventually(
      async () => (await queueInfo(vhost.name, 'email')).consumers === 1,
      20_000,
      'email to have only the burrow consumer',
    );

    const emails = await Promise.all(
      ['a', 'b', 'c', 'd', 'e'].map((n) => send(EMAIL, email(`${n}@example.com`))),
    );
    const cleanups = await Promise.all([1, 2, 3].map(() => send(HEALTH, {})));
    // A delayed task to the Python-served queue: burrow binds cleanup to its delay levels, and
    // Python runs the message (its eta has passed) when it arrives.
    const delayedCleanup = await send(HEALTH, {}, 1);

    for (const id of emails) {
      const result = await client.wait<Record<string, unknown>>(id, 30_000);
      expect(result).not.toMatchObject(PYTHON_MARK);
      expect(result).toMatchObject({ rejected: [] });
    }
    const mails = await smtp.waitForMails(5, {
      filter: (mail) =>
        mail.subject === 'Switch-over' && mail.envelopeTo[0] !== 'before@example.com',
    });
    expect(mails.map((m) => m.envelopeTo[0]).sort()).toEqual([
      'a@example.com',
      'b@example.com',
      'c@example.com',
      'd@example.com',
      'e@example.com',
    ]);
    for (const id of [...cleanups, delayedCleanup])
      expect(await client.wait(id, 30_000)).toEqual(PYTHON_MARK);
  }, 120_000);

  it('a task for a queue nobody declared fails at once, naming the queue', async () => {
    const importTask = 'tasks.data_processing_tasks.update_exchange_rates_task';
    await expect(send(importTask, {})).rejects.toThrow(UnroutableTaskError);
    await expect(send(importTask, {})).rejects.toThrow(/no queue named 'data_processing'/);
    // Delayed too: the delay levels exist (burrow's worker declared them), the queue does not.
    await expect(send(importTask, {}, 5)).rejects.toThrow(/no queue named 'data_processing'/);
  }, 30_000);
});
