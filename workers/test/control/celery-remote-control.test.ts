import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createPrivateVhost, type PrivateVhost } from '../../../testing/private-vhost';
import { REDIS_URL, REPO_ROOT, eventually, uniqueName } from '../../../testing/stack';
import { spawnBurrow, type WorkerProcess } from '../../../testing/worker-process';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(__dirname, '../interop/control_client.py');
const FIXTURES = path.join(REPO_ROOT, 'workers/test/fixtures/fixture-tasks.js');

/**
 * Celery's own tooling against burrow workers: `celery inspect`/`control` (the pidbox), revoke
 * and events, driven by Debian's Celery 5.2 in a virtual host of the test's own, so no other
 * test's workers answer its broadcasts.
 */
describe('Celery remote control, revocation and events against burrow workers', () => {
  const queueA = uniqueName('ctl-a');
  const queueB = uniqueName('ctl-b');
  /** Results are read by the Python client under Celery's keys: no key prefix. */
  const revokedKey = 'burrow-revoked';
  const revokedIds: string[] = [];
  let vhost: PrivateVhost;
  let redis: Redis;
  const workers: WorkerProcess[] = [];

  function startWorker(name: string, queue: string, extraQueues = ''): WorkerProcess {
    const worker = spawnBurrow(
      {
        RABBITMQ_URL: vhost.url,
        BURROW_FIXTURE_QUEUE: queue,
        WORKER_TASK_MODULES: FIXTURES,
        WORKER_NAME: `${name}@test`,
      },
      ['--queues', extraQueues ? `${extraQueues},${queue}` : queue, '--concurrency', '4'],
    );
    workers.push(worker);
    return worker;
  }

  async function nodeOf(worker: WorkerProcess): Promise<string> {
    const line = await worker.waitForLine(/worker ready/);
    return (JSON.parse(line) as { node: string }).node;
  }

  async function celery(...args: string[]): Promise<Record<string, unknown>> {
    const { stdout } = await run(
      PYTHON,
      ['-m', 'celery', '-b', vhost.url, ...args, '--json', '--timeout', '2'],
      { cwd: '/tmp', timeout: 30_000 },
    );
    return JSON.parse(stdout) as Record<string, unknown>;
  }

  async function client<T>(queue: string, action: string, arg?: string): Promise<T> {
    const { stdout } = await run(
      PYTHON,
      [SCRIPT, vhost.url, REDIS_URL, queue, action, ...(arg ? [arg] : [])],
      { cwd: '/tmp', timeout: 60_000, env: { ...process.env, CELERY_RESULT_BACKEND: '' } },
    );
    return JSON.parse(stdout) as T;
  }

  let nodeA: string;
  let nodeB: string;

  beforeAll(async () => {
    vhost = await createPrivateVhost('ctl');
    redis = new Redis(REDIS_URL);
    const a = startWorker('alpha', queueA);
    const b = startWorker('beta', queueB, 'email');
    [nodeA, nodeB] = await Promise.all([nodeOf(a), nodeOf(b)]);
  });

  afterAll(async () => {
    for (const worker of workers) worker.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    if (revokedIds.length > 0) await redis.zrem(revokedKey, ...revokedIds);
    redis.disconnect();
    await vhost?.close();
  });

  it('answers celery inspect ping, stats, active_queues, active and registered from both workers', async () => {
    expect(nodeA).toMatch(/^alpha-\d+@test$/);
    expect(await celery('inspect', 'ping')).toEqual({
      [nodeA]: { ok: 'pong' },
      [nodeB]: { ok: 'pong' },
    });
    const stats = (await celery('inspect', 'stats')) as Record<string, Record<string, unknown>>;
    expect(Object.keys(stats).sort()).toEqual([nodeA, nodeB].sort());
    expect(stats[nodeA]).toMatchObject({
      pid: expect.any(Number),
      total: expect.any(Object),
      uptime: expect.any(Number),
      pool: { 'max-concurrency': 4 },
      broker: { transport: 'amqp', virtual_host: vhost.name, userid: 'guest' },
      rusage: { utime: expect.any(Number), maxrss: expect.any(Number) },
    });
    const queues = (await celery('inspect', 'active_queues')) as Record<string, { name: string }[]>;
    expect(queues[nodeA]!.map((q) => q.name)).toEqual([queueA]);
    expect(queues[nodeB]!.map((q) => q.name).sort()).toEqual(['email', queueB].sort());
    expect(await celery('inspect', 'active')).toEqual({ [nodeA]: [], [nodeB]: [] });
    const registered = (await celery('inspect', 'registered')) as Record<string, string[]>;
    expect(registered[nodeA]).toContain('fixtures.add');
    expect(registered[nodeB]).toContain('tasks.email_tasks.send_email_task');
    expect(registered[nodeA]).not.toContain('tasks.email_tasks.send_email_task');
    // A destination picks one node; the other stays silent.
    expect(await celery('inspect', 'ping', '-d', nodeB)).toEqual({ [nodeB]: { ok: 'pong' } });
  });

  it('revokes a task sent with a countdown: REVOKED is stored and it never runs', async () => {
    const out = await client<{ raised: string; state: string }>(queueA, 'revoke_countdown');
    expect(out).toMatchObject({ raised: 'TaskRevokedError', state: 'REVOKED' });
    const revoked = (await celery('inspect', 'revoked')) as Record<string, string[]>;
    expect(revoked[nodeA]).toEqual(expect.arrayContaining([expect.any(String)]));
  });

  it('terminates a running task on revoke(terminate=True)', async () => {
    const out = await client<{ raised: string; state: string; waited: number }>(
      queueA,
      'revoke_terminate',
    );
    expect(out).toMatchObject({ raised: 'TaskRevokedError', state: 'REVOKED' });
    expect(out.waited).toBeLessThan(5);
  });

  it('sends heartbeats and task events once enable_events is broadcast', async () => {
    const out = await client<{
      ok_events: string[];
      failed_events: string[];
      succeeded: { runtime: number; result: string; hostname: string }[];
      failed_event: { exception: string; traceback: string }[];
      heartbeat: { freq: number; active: number; loadavg: number[]; sw_ident: string }[];
      heartbeat_hosts: string[];
    }>(queueA, 'events', '2');
    expect(out.ok_events).toEqual(['task-received', 'task-started', 'task-succeeded']);
    expect(out.failed_events).toEqual(['task-received', 'task-started', 'task-failed']);
    expect(out.succeeded[0]).toMatchObject({ result: '5', hostname: nodeA });
    expect(out.succeeded[0]!.runtime).toBeGreaterThanOrEqual(0);
    expect(out.failed_event[0]!.exception).toBe("ValueError('bad VIN')");
    expect(out.failed_event[0]!.traceback).toMatch(/bad VIN/);
    expect(out.heartbeat[0]).toMatchObject({ freq: 2, sw_ident: 'burrow' });
    expect(out.heartbeat[0]!.loadavg).toHaveLength(3);
    expect(out.heartbeat_hosts).toEqual(expect.arrayContaining([nodeA, nodeB]));
  });

  it('keeps a revocation for a worker started after it, and stops a worker on shutdown', async () => {
    const id = randomUUID();
    revokedIds.push(id);
    await client(queueA, 'revoke_id', id);
    // Every worker that heard it stored it; wait until Redis has it, then replace worker A.
    await eventually(
      async () => (await redis.zscore(revokedKey, id)) !== null,
      10_000,
      'the revocation in Redis',
    );
    const [first] = workers;
    expect(await celery('control', 'shutdown', '-d', nodeA).catch(() => ({}))).toBeDefined();
    expect(await first!.exited).toBe(0);
    expect(first!.output()).toMatch(/worker stopped cleanly/);
    const later = startWorker('gamma', queueA);
    const nodeC = await nodeOf(later);
    const out = await client<{ raised?: string; state: string }>(queueA, 'send_with_id', id);
    expect(out).toMatchObject({ raised: 'TaskRevokedError', state: 'REVOKED' });
    expect(later.output()).toMatch(/task revoked, not run/);
    expect((await celery('inspect', 'ping')) as object).toEqual({
      [nodeB]: { ok: 'pong' },
      [nodeC]: { ok: 'pong' },
    });
  });
});
