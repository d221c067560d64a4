import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { TaskClient, connectFleet, createLogger, taskQueuesTopology } from '@burrow/shared';
import {
  AMQP_URL,
  REDIS_URL,
  REPO_ROOT,
  eventually,
  stackFleetConfig,
  uniqueName,
} from '../../testing/stack';
import { startTestSmtpServer, type TestSmtpServer } from '../../testing/smtp-server';
import { runBurrowCli, spawnBurrow, type WorkerProcess } from '../../testing/worker-process';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
/** BACKEND_HEALTH_PATHS by default: the seed service's four endpoints. */
const SEED_PATHS = [
  '/health/redis',
  '/health/rabbitmq',
  '/health/postgres',
  '/health/search-index',
];
/** What the health check probes besides the backend: brokers, SMTP, the work folders' disks. */
const LOCAL_CHECKS = ['disk:imports', 'disk:logs', 'disk:reports', 'rabbitmq', 'redis', 'smtp'];

/** The real worker process on the catalogue queues it serves plus a fixture queue. */
describe('burrow-worker process, end to end', () => {
  const fixtureQueue = uniqueName('fixtures');
  let backend: http.Server;
  let backendUrl: string;
  let smtp: TestSmtpServer;
  let worker: WorkerProcess;
  let client: TaskClient;
  let closeClient: () => Promise<void>;

  beforeAll(async () => {
    backend = http.createServer((req, res) => {
      res.writeHead(req.url?.startsWith('/health/') ? 200 : 404, {
        'content-type': 'application/json',
      });
      res.end('{"status":"ok"}');
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
    smtp = await startTestSmtpServer();
    worker = spawnBurrow(
      {
        BACKEND_API_URL: backendUrl,
        SMTP_HOST: smtp.host,
        SMTP_PORT: String(smtp.port),
        BURROW_FIXTURE_QUEUE: fixtureQueue,
        WORKER_TASK_MODULES: path.join(REPO_ROOT, 'workers/test/fixtures/fixture-tasks.js'),
        WORKER_NAME: 'e2e@test',
        WORKER_TRACK_STARTED: 'true',
      },
      ['--queues', `email,cleanup,${fixtureQueue}`, '--concurrency', '4'],
    );
    await worker.waitForLine(/worker ready/);

    const logger = createLogger({ service: 'test-client', silent: true });
    const fleet = await connectFleet(stackFleetConfig(), logger, {
      topology: taskQueuesTopology(['email', 'cleanup']),
      connectionName: 'e2e test client',
      subscriber: true,
    });
    client = new TaskClient({
      publisher: fleet.publisher,
      results: fleet.results,
      subscriber: fleet.subscriber!,
    });
    closeClient = () => fleet.close();
  });

  afterAll(async () => {
    worker?.kill('SIGKILL');
    await closeClient?.();
    backend?.close();
    await smtp?.close();
  });

  it('runs system_health_check_task sent by TaskClient, reporting each dependency', async () => {
    const id = await client.send('tasks.cleanup_tasks.system_health_check_task');
    const result = await client.wait<{
      status: string;
      checks: Record<string, { status: string; latency_ms: number }>;
      results: Record<string, number | null>;
    }>(id, 20_000);
    expect(result.status).toBe('healthy');
    expect(Object.keys(result.checks).sort()).toEqual(
      [...SEED_PATHS.map((p) => `backend:${p}`), ...LOCAL_CHECKS].sort(),
    );
    expect(result.results).toEqual(Object.fromEntries(SEED_PATHS.map((p) => [p, 200])));
    expect(result.checks.redis).toMatchObject({ status: 'up', latency_ms: expect.any(Number) });
  });

  it('sends a task from the burrow CLI and prints its result', async () => {
    const sent = await runBurrowCli([
      'send',
      'tasks.cleanup_tasks.system_health_check_task',
      '--wait',
      '20',
    ]);
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    const [id, ...rest] = sent.stdout.trim().split('\n');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(rest.join('\n'))).toMatchObject({ status: 'healthy' });
    const refused = await runBurrowCli([
      'send',
      'tasks.email_tasks.send_email_task',
      '{"to_email": "not-an-address"}',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /invalid arguments for tasks.email_tasks.send_email_task: .*subject/,
    );
  });

  it('runs a task published by a plain AMQP client in Python', async () => {
    const { stdout } = await run(PYTHON, [
      path.join(__dirname, 'interop/amqp_publish.py'),
      new URL(AMQP_URL).host,
      'cleanup',
      'tasks.cleanup_tasks.system_health_check_task',
      '{}',
    ]);
    const id = stdout.trim();
    const result = await client.wait<{ status: string }>(id, 20_000);
    expect(result.status).toBe('healthy');
  });

  it('serves an unchanged Celery 5 client: send_task, AsyncResult.get and re-raised exceptions', async () => {
    const { stdout } = await run(
      PYTHON,
      [
        path.join(__dirname, 'interop/celery_client.py'),
        AMQP_URL,
        REDIS_URL,
        path.join(REPO_ROOT, 'docs/celery_config.py'),
        fixtureQueue,
      ],
      { timeout: 90_000 },
    );
    const out = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
    expect(out.positional).toBe(5);
    expect(out.kwargs).toBe(9);
    expect(out.health).toEqual({
      ...Object.fromEntries(LOCAL_CHECKS.map((check) => [check, 'up'])),
      ...Object.fromEntries(SEED_PATHS.map((p) => [`backend:${p}`, 'up'])),
    });
    expect(out.health_results).toEqual(Object.fromEntries(SEED_PATHS.map((p) => [p, 200])));
    expect(out.failure).toEqual(['ValueError', 'bad VIN']);
    expect(out.schema[0]).toBe('ValueError');
    expect(out.schema[1]).toMatch(/to_email/);
    expect(out.state).toBe('SUCCESS');
    expect(out.countdown).toBe(4);
    expect(out.countdown_waited).toBeGreaterThanOrEqual(1.9);
    expect(out.countdown_waited).toBeLessThan(5);
    expect(out.expired).toBe('TaskRevokedError');
  });

  it("applies the contract's schema defaults before the handler runs", async () => {
    const greeted = await client.send('fixtures.greet', ['Ann'], { queue: fixtureQueue });
    await expect(client.wait(greeted, 10_000)).resolves.toEqual({
      name: 'Ann',
      greeting: 'Hello',
      options: { shout: false },
    });
    // Python None for an optional argument means "not given": the default applies.
    const withNone = await client.send('fixtures.greet', ['Bob', null, { shout: true }], {
      queue: fixtureQueue,
    });
    await expect(client.wait(withNone, 10_000)).resolves.toEqual({
      name: 'Bob',
      greeting: 'Hello',
      options: { shout: true },
    });
  });

  it('drains on SIGTERM: running tasks finish, exit code 0', async () => {
    const id = await client.send('fixtures.sleep', { seconds: 2 }, { queue: fixtureQueue });
    await eventually(async () => (await client.status(id)) === 'STARTED', 10_000, 'task STARTED');
    worker.kill('SIGTERM');
    await expect(worker.exited).resolves.toBe(0);
    await expect(client.wait(id, 1_000)).resolves.toEqual({ slept: 2, aborted: false });
    expect(worker.output()).toMatch(/worker stopped cleanly/);
  });
});
