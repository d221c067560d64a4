import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createPrivateVhost, type PrivateVhost } from '../../../testing/private-vhost';
import { REPO_ROOT, eventually, uniqueName } from '../../../testing/stack';
import { runBurrowCli, spawnBurrow, type WorkerProcess } from '../../../testing/worker-process';

const run = promisify(execFile);
const FIXTURES = path.join(REPO_ROOT, 'workers/test/fixtures/fixture-tasks.js');

/** `burrow inspect|revoke|events`, and Celery's control commands that change a worker. */
describe('burrow CLI remote control against a worker', () => {
  const queue = uniqueName('cli-ctl');
  let vhost: PrivateVhost;
  let worker: WorkerProcess;
  let node: string;

  const cli = (...args: string[]) => runBurrowCli(args, { RABBITMQ_URL: vhost.url });
  const json = async <T>(...args: string[]): Promise<T> => {
    const out = await cli(...args, '--json');
    expect(out.stderr).toBe('');
    return JSON.parse(out.stdout) as T;
  };
  const send = async (task: string, args: string, ...extra: string[]) => {
    const out = await cli('send', task, args, '--queue', queue, ...extra);
    expect(out.code).toBe(0);
    return out.stdout.trim().split('\n')[0]!;
  };
  const status = async (id: string) =>
    (JSON.parse((await cli('status', id)).stdout) as { status: string }).status;
  const celery = async (...args: string[]) =>
    JSON.parse(
      (
        await run('/usr/bin/python3', ['-m', 'celery', '-b', vhost.url, ...args, '--json'], {
          cwd: '/tmp',
          timeout: 30_000,
        })
      ).stdout,
    ) as Record<string, unknown>;

  /** `celery control --json` prints a list of `{node: reply}`. */
  const control = async (...args: string[]): Promise<object> =>
    Object.assign({}, ...((await celery('control', ...args)) as unknown as object[])) as object;

  beforeAll(async () => {
    vhost = await createPrivateVhost('cli-ctl');
    worker = spawnBurrow(
      {
        RABBITMQ_URL: vhost.url,
        BURROW_FIXTURE_QUEUE: queue,
        WORKER_TASK_MODULES: FIXTURES,
        WORKER_NAME: 'cli@test',
      },
      ['--queues', queue, '--concurrency', '2'],
    );
    node = (JSON.parse(await worker.waitForLine(/worker ready/)) as { node: string }).node;
  });

  afterAll(async () => {
    worker?.kill('SIGKILL');
    await worker?.exited;
    await vhost?.close();
  });

  it('inspects ping, stats, registered and queues, as tables and as JSON', async () => {
    expect(await json('inspect', 'ping')).toEqual({ [node]: { ok: 'pong' } });
    const stats = await cli('inspect', 'stats');
    expect(stats.stdout).toMatch(/node\s+pid\s+uptime\s+concurrency/);
    expect(stats.stdout).toContain(node);
    const registered = await json<Record<string, string[]>>('inspect', 'registered');
    expect(registered[node]).toContain('fixtures.add');
    expect((await cli('inspect', 'queues')).stdout).toMatch(new RegExp(`${node}\\s+${queue}`));
    expect((await cli('inspect', 'reserved')).stdout).toBe('no reserved tasks on 1 node(s)\n');
    const bad = await cli('inspect', 'nonsense');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unknown inspection nonsense/);
  });

  it('shows a running task in inspect active and terminates it with revoke --terminate', async () => {
    const id = await send('fixtures.sleep', '[30]');
    const active = await eventually(
      async () => {
        const replies = await json<Record<string, { id: string; name: string }[]>>(
          'inspect',
          'active',
        );
        return replies[node]?.find((t) => t.id === id);
      },
      15_000,
      'the task in inspect active',
    );
    expect(active.name).toBe('fixtures.sleep');
    const revoked = await cli('revoke', id, '--terminate');
    expect(revoked.stdout).toMatch(new RegExp(`${node}: .*terminated ${id}`));
    await eventually(async () => (await status(id)) === 'REVOKED', 10_000, 'REVOKED');
  });

  it('revokes a countdown task from the CLI before it comes back from the delay levels', async () => {
    const id = await send('fixtures.add', '[1, 2]', '--countdown', '2');
    expect((await cli('revoke', id)).code).toBe(0);
    await eventually(async () => (await status(id)) === 'REVOKED', 15_000, 'REVOKED');
  });

  it('tails task events', async () => {
    const tail = cli('events', '--tasks-only', '--json', '-n', '3', '--for', '20');
    let finished = false;
    void tail.then(() => (finished = true));
    const ids: string[] = [];
    await eventually(
      async () => {
        if (finished) return true;
        ids.push(await send('fixtures.add', '[2, 2]'));
        return false;
      },
      20_000,
      'three task events',
    );
    const events = (await tail).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; uuid: string; hostname: string });
    expect(events).toHaveLength(3);
    expect(events.every((e) => e.hostname === node && ids.includes(e.uuid))).toBe(true);
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['task-received', 'task-started']),
    );
  });

  it("obeys Celery's pool_grow/pool_shrink, cancel_consumer/add_consumer, rate_limit and time_limit", async () => {
    expect(await control('pool_grow', '3')).toEqual({
      [node]: { ok: 'pool will grow to 5' },
    });
    expect(await celery('inspect', 'stats')).toMatchObject({
      [node]: { pool: { 'max-concurrency': 5 } },
    });
    expect(await control('pool_shrink', '4')).toEqual({
      [node]: { ok: 'pool will shrink to 1' },
    });
    expect(await control('cancel_consumer', queue)).toEqual({
      [node]: { ok: `no longer consuming from ${queue}` },
    });
    expect(await celery('inspect', 'active_queues')).toEqual({ [node]: [] });
    expect(await control('add_consumer', queue)).toEqual({
      [node]: { ok: `add consumer ${queue}` },
    });
    expect(await celery('inspect', 'active_queues')).toMatchObject({
      [node]: [{ name: queue }],
    });
    expect(await control('rate_limit', 'fixtures.add', '100/s')).toEqual({
      [node]: { ok: 'new rate limit set successfully' },
    });
    expect(await control('time_limit', 'fixtures.sleep', '5', '10')).toEqual({
      [node]: { ok: 'time limits set successfully' },
    });
    expect(await control('rate_limit', 'nope.task', '1/s')).toEqual({
      [node]: { error: 'unknown task nope.task' },
    });
    // Still working after all that.
    const id = await send('fixtures.add', '[3, 4]');
    await eventually(async () => (await status(id)) === 'SUCCESS', 10_000, 'SUCCESS');
  });
});
