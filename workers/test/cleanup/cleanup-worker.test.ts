import amqplib from 'amqplib';
import { AMQP_URL, MGMT_URL, uniqueName } from '../../../testing/stack';
import { startFakeBackend, type FakeBackend } from '../../../testing/fake-backend';
import { startTestSmtpServer, type TestSmtpServer } from '../../../testing/smtp-server';
import { connectTestClient } from '../../../testing/test-client';
import { runBurrowCli, spawnBurrow, type WorkerProcess } from '../../../testing/worker-process';
import { HOUR, tempTree } from './tree';

/** The catalogue's `cleanup` queue is shared on this broker: the test gets its own vhost. */
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

describe('the cleanup family in a real worker process', () => {
  const vhost = uniqueName('cleanup');
  const brokerUrl = Object.assign(new URL(AMQP_URL), { pathname: `/${vhost}` }).toString();
  // Its own key prefix too: the health snapshot is one key per fleet.
  const keyPrefix = `${vhost}:`;
  let temp: Awaited<ReturnType<typeof tempTree>>;
  let logs: Awaited<ReturnType<typeof tempTree>>;
  let backend: FakeBackend;
  let smtp: TestSmtpServer;
  let worker: WorkerProcess;
  let client: Awaited<ReturnType<typeof connectTestClient>>;

  beforeAll(async () => {
    await management('PUT', `vhosts/${vhost}`, {});
    await management('PUT', `permissions/${vhost}/${new URL(AMQP_URL).username}`, {
      configure: '.*',
      write: '.*',
      read: '.*',
    });
    temp = await tempTree();
    logs = await tempTree();
    backend = await startFakeBackend();
    smtp = await startTestSmtpServer();
    worker = spawnBurrow(
      {
        RABBITMQ_URL: brokerUrl,
        BACKEND_API_URL: backend.url,
        CLEANUP_TEMP_DIRS: temp.dir,
        CLEANUP_LOG_DIRS: logs.dir,
        REDIS_KEY_PREFIX: keyPrefix,
        WORKER_NAME: 'cleanup@test',
        SMTP_HOST: smtp.host,
        SMTP_PORT: String(smtp.port),
        HEALTH_DISK_DIRS: `${temp.dir},${logs.dir}`,
        // The fake backend has no backup endpoint; the step is covered by daily-maintenance.test.
        BACKEND_MAINTENANCE_PATH: '',
        MAINTENANCE_STEP_TIMEOUTS: 'health_check=20',
      },
      ['--queues', 'cleanup'],
    );
    await worker.waitForLine(/worker ready/);
    client = await connectTestClient(['cleanup'], { amqpUrl: brokerUrl, keyPrefix });
  });

  afterAll(async () => {
    worker?.kill('SIGTERM');
    await worker?.exited;
    await client?.close();
    await backend?.close();
    await smtp?.close();
    await temp?.remove();
    await logs?.remove();
    await management('DELETE', `vhosts/${vhost}`);
  });

  it('sweeps temp files by the positional (max_age_hours, dry_run) call, dry run first', async () => {
    await temp.file('upload/old.part', 30 * HOUR, 8);
    await temp.file('upload/new.part', 1 * HOUR, 8);
    const task = 'tasks.cleanup_tasks.cleanup_temp_files_task';
    const dry = await client.client.wait(await client.client.send(task, [24, true]), 20_000);
    expect(dry).toMatchObject({ deleted_files: 1, freed_bytes: 8, dry_run: true });
    expect(await temp.exists('upload/old.part')).toBe(true);
    const real = await client.client.wait(await client.client.send(task, [24]), 20_000);
    expect(real).toEqual({
      deleted_files: 1,
      freed_bytes: 8,
      errors: [],
      dry_run: false,
      skipped_in_use: 0,
    });
    expect(await temp.exists('upload/old.part')).toBe(false);
    expect(await temp.exists('upload/new.part')).toBe(true);
  });

  it('sweeps old rotated logs', async () => {
    await logs.file('worker-2020-01-01.log', 40 * 24 * HOUR, 3);
    await logs.file('.abc-audit.json', 40 * 24 * HOUR, 3);
    const id = await client.client.send('tasks.cleanup_tasks.cleanup_old_logs_task', {
      days_to_keep: 30,
    });
    await expect(client.client.wait(id, 20_000)).resolves.toMatchObject({ deleted_files: 1 });
    expect(await logs.exists('.abc-audit.json')).toBe(true);
  });

  it("answers the health check with the seed's path map, and `burrow health` shows it", async () => {
    const cli = (args: string[]) =>
      runBurrowCli(args, { RABBITMQ_URL: brokerUrl, REDIS_KEY_PREFIX: keyPrefix });
    const before = await cli(['health']);
    expect(before.code).toBe(1);
    expect(before.stdout).toMatch(/^no health report yet/);
    const id = await client.client.send('tasks.cleanup_tasks.system_health_check_task');
    await expect(client.client.wait(id, 20_000)).resolves.toMatchObject({
      status: 'healthy',
      checks: { smtp: { status: 'up' }, [`disk:${temp.dir}`]: { status: 'up' } },
      providers: { fcm: { status: 'not_configured' }, twilio: { status: 'not_configured' } },
      results: {
        '/health/redis': 200,
        '/health/rabbitmq': 200,
        '/health/postgres': 200,
        '/health/search-index': 200,
      },
    });
    const shown = await cli(['health']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^healthy at \d{4}-\d{2}-\d{2}T/);
    expect(shown.stdout).toMatch(/^backend:\/health\/postgres\s+up\s+\d+ ms/m);
    const json = await cli(['health', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      status: 'healthy',
      results: { '/health/redis': 200 },
    });
  });

  it('runs the nightly maintenance steps in the worker, each reported', async () => {
    await temp.file('nightly/old.part', 30 * HOUR, 2);
    // Dead letters of set ages in this vhost's cleanup.dead (the worker declared it).
    const connection = await amqplib.connect(brokerUrl);
    const channel = await connection.createConfirmChannel();
    for (const days of [45, 3])
      channel.sendToQueue('cleanup.dead', Buffer.from('{}'), {
        persistent: true,
        headers: {
          'x-burrow-failed-at': new Date(Date.now() - days * 24 * HOUR).toISOString(),
        },
      });
    await channel.waitForConfirms();
    await connection.close();
    const id = await client.client.send('tasks.cleanup_tasks.daily_maintenance_task');
    const result = await client.client.wait<{
      steps: Record<string, { status: string; detail?: unknown }>;
    }>(id, 60_000);
    expect(Object.keys(result.steps)).toEqual([
      'database_backup',
      'temp_files',
      'old_logs',
      'dead_letters',
      'health_check',
    ]);
    expect(result.steps.database_backup).toMatchObject({ status: 'skipped' });
    expect(result.steps.temp_files).toMatchObject({ status: 'ok', detail: { deleted_files: 1 } });
    expect(result.steps.old_logs).toMatchObject({ status: 'ok' });
    expect(result.steps.dead_letters).toMatchObject({
      status: 'ok',
      detail: { removed: { cleanup: 1 }, remaining: { cleanup: 1 }, total_removed: 1 },
    });
    expect(result.steps.health_check).toMatchObject({
      status: 'ok',
      detail: { status: 'healthy' },
    });
  });
});
