import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { AMQP_URL, REDIS_URL, REPO_ROOT, eventually } from '../../../testing/stack';
import { connectTestClient } from '../../../testing/test-client';

const run = promisify(execFile);

/** The supervisor `npm start` runs (deploy/fleet.mjs), on the real catalogue queues. */
describe('local fleet runner', () => {
  it('serves a plain AMQP publish, restarts a crashed worker, and stops cleanly on Ctrl-C', async () => {
    const amqp = new URL(AMQP_URL);
    const redis = new URL(REDIS_URL);
    const fleet = spawn(process.execPath, [path.join(REPO_ROOT, 'deploy/fleet.mjs')], {
      env: {
        PATH: process.env.PATH ?? '',
        FLEET_QUEUES: 'cleanup,email',
        FLEET_METRICS_PORT: '19161',
        API_PORT: '19155',
        DEV_BACKEND_PORT: '19110',
        RABBITMQ_PORT: amqp.port,
        REDIS_PORT: redis.port,
        LOG_DIR: '',
        LOG_FORMAT: 'pretty',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    fleet.stdout.on('data', (c: Buffer) => (output += c.toString()));
    fleet.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) =>
      fleet.on('exit', (code) => resolve(code)),
    );
    const session = await connectTestClient();
    try {
      await eventually(
        () => (output.match(/worker ready/g) ?? []).length >= 2,
        30_000,
        'two workers ready',
      );

      const { stdout } = await run('/usr/bin/python3', [
        path.join(REPO_ROOT, 'workers/test/interop/amqp_publish.py'),
        amqp.host,
        'cleanup',
        'tasks.cleanup_tasks.system_health_check_task',
        '{}',
      ]);
      const result = await session.client.wait<{ checks: Record<string, { status: string }> }>(
        stdout.trim(),
        20_000,
      );
      expect(result.checks.rabbitmq?.status).toBe('up');

      const pid = Number(/\[worker:cleanup\].*worker ready.*pid=(\d+)/.exec(output)?.[1]);
      expect(pid).toBeGreaterThan(0);
      process.kill(pid, 'SIGKILL');
      await eventually(
        () => /\[worker:cleanup\] exited \(SIGKILL\); restarting/.test(output),
        10_000,
        'restart notice',
      );
      await eventually(
        () => (output.match(/\[worker:cleanup\].*worker ready/g) ?? []).length >= 2,
        30_000,
        'cleanup worker back',
      );

      fleet.kill('SIGINT');
      expect(await exited).toBe(0);
      expect((output.match(/worker stopped cleanly/g) ?? []).length).toBe(2);
    } finally {
      fleet.kill('SIGKILL');
      await session.close();
    }
  });
});
