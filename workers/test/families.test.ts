import { execFile } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { TaskFailedError } from '@burrow/shared';
import { deleteQueues } from '../../testing/fixture-worker';
import { AMQP_URL, REDIS_URL, REPO_ROOT, uniqueName } from '../../testing/stack';
import { connectTestClient } from '../../testing/test-client';
import { fakeServiceAccountJson } from '../../testing/fake-fcm';
import { spawnBurrow } from '../../testing/worker-process';

const run = promisify(execFile);

/** Modules a real worker process on `queues` has loaded, relative to the repository. */
async function modulesLoadedBy(
  queues: string,
  env: Record<string, string> = {},
): Promise<string[]> {
  const { stdout } = await run(
    process.execPath,
    [path.join(REPO_ROOT, 'workers/test/fixtures/loaded-modules.js')],
    {
      env: {
        PATH: process.env.PATH ?? '',
        RABBITMQ_URL: AMQP_URL,
        REDIS_URL,
        LOG_DIR: '',
        WORKER_QUEUES: queues,
        WORKER_NAME: uniqueName('modules@test'),
        ...env,
      },
      timeout: 30_000,
    },
  );
  const { loaded } = JSON.parse(stdout) as { loaded: string[] };
  return loaded.map((file) => path.relative(REPO_ROOT, file));
}

const familyOf = (file: string) => /^workers\/dist\/([\w-]+)\//.exec(file)?.[1];
const packageOf = (file: string) => /node_modules\/((?:@[\w.-]+\/)?[\w.-]+)\//.exec(file)?.[1];

describe('a worker loads only the families of the queues it consumes', () => {
  it('an email-only worker loads the email family and nodemailer, and no other family or SDK', async () => {
    const loaded = await modulesLoadedBy('email');
    const families = new Set(loaded.map(familyOf).filter((f) => f !== undefined));
    const packages = new Set(loaded.map(packageOf).filter((p) => p !== undefined));
    expect(families.has('email')).toBe(true);
    expect(families.has('cleanup')).toBe(false);
    expect(families.has('notifications')).toBe(false);
    expect(families.has('data-processing')).toBe(false);
    expect(packages.has('nodemailer')).toBe(true);
    for (const sdk of ['firebase-admin', 'twilio', 'exceljs', 'csv-parse'])
      expect(packages.has(sdk)).toBe(false);
  });

  it('a notifications worker without FCM credentials loads its family and twilio, and neither nodemailer, email nor firebase-admin', async () => {
    const loaded = await modulesLoadedBy('notifications');
    const families = new Set(loaded.map(familyOf).filter((f) => f !== undefined));
    const packages = new Set(loaded.map(packageOf).filter((p) => p !== undefined));
    expect(families.has('notifications')).toBe(true);
    expect(families.has('email')).toBe(false);
    expect(packages.has('twilio')).toBe(true);
    expect(packages.has('nodemailer')).toBe(false);
    expect(packages.has('firebase-admin')).toBe(false);
  });

  it('with an FCM credential it loads firebase-admin too', async () => {
    const loaded = await modulesLoadedBy('notifications', {
      FCM_CREDENTIALS_JSON: fakeServiceAccountJson('modules'),
    });
    expect(new Set(loaded.map(packageOf)).has('firebase-admin')).toBe(true);
  });

  it('a cleanup-only worker never loads nodemailer', async () => {
    const loaded = await modulesLoadedBy('cleanup');
    expect(new Set(loaded.map(familyOf)).has('cleanup')).toBe(true);
    expect(new Set(loaded.map(familyOf)).has('email')).toBe(false);
    expect(new Set(loaded.map(packageOf)).has('nodemailer')).toBe(false);
  });
});

describe("a family's settings are read by the workers of its queue only", () => {
  it('a bad SMTP_PORT stops an email worker, naming the variable, and exits 78', async () => {
    const worker = spawnBurrow({ SMTP_PORT: 'twenty-five' }, ['--queues', 'email']);
    expect(await worker.exited).toBe(78);
    expect(worker.output()).toMatch(/configuration error: SMTP_PORT: ports must be within range/);
  });

  it('the same bad SMTP_PORT does not concern a cleanup worker', async () => {
    const worker = spawnBurrow(
      { SMTP_PORT: 'twenty-five', WORKER_NAME: uniqueName('cleanup@test') },
      ['--queues', 'cleanup'],
    );
    try {
      await worker.waitForLine(/worker ready/);
    } finally {
      worker.kill('SIGTERM');
      await worker.exited;
    }
  });

  it('a half-configured Twilio account stops a notifications worker, naming what is missing', async () => {
    const worker = spawnBurrow({ TWILIO_ACCOUNT_SID: 'AC1', TWILIO_FROM: '+15005550006' }, [
      '--queues',
      'notifications',
    ]);
    expect(await worker.exited).toBe(78);
    expect(worker.output()).toMatch(/configuration error: Twilio: TWILIO_AUTH_TOKEN, or both/);
  });

  it('a bad BACKEND_API_URL stops any worker, naming the variable', async () => {
    const worker = spawnBurrow({ BACKEND_API_URL: 'not a url' }, ['--queues', 'cleanup']);
    expect(await worker.exited).toBe(78);
    expect(worker.output()).toMatch(/BACKEND_API_URL: must be an absolute URL/);
  });
});

/** A loopback port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('a provider failure reaches Python as the exception a Python worker would raise', () => {
  it('a refused backend connection is stored as builtins.ConnectionRefusedError', async () => {
    const queue = uniqueName('refused');
    const worker = spawnBurrow(
      {
        BACKEND_API_URL: `http://127.0.0.1:${await closedPort()}`,
        BURROW_FIXTURE_QUEUE: queue,
        WORKER_TASK_MODULES: path.join(REPO_ROOT, 'workers/test/fixtures/fixture-tasks.js'),
        WORKER_NAME: uniqueName('refused@test'),
      },
      ['--queues', queue],
    );
    const session = await connectTestClient();
    try {
      await worker.waitForLine(/worker ready/);
      const id = await session.client.send(
        'fixtures.count',
        {},
        { queue, retry: { maxRetries: 0 } },
      );
      const failure = await session.client.wait(id, 15_000).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(TaskFailedError);
      expect((await session.results.get(id))?.result).toMatchObject({
        exc_type: 'ConnectionRefusedError',
        exc_module: 'builtins',
        exc_message: [expect.stringMatching(/^backend POST \/count unreachable: .*ECONNREFUSED/)],
      });
    } finally {
      worker.kill('SIGTERM');
      await worker.exited;
      await session.close();
      await deleteQueues(queue, `${queue}.dead`);
    }
  });
});
