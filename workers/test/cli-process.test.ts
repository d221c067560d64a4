import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AMQP_URL, REDIS_URL } from '../../testing/stack';

const REPO = path.join(__dirname, '..', '..');

/** Runs a burrow command with its stdout closed by the reader at once, as `| head -0` does. */
function withReaderGone(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO, script), ...args], {
      env: { PATH: process.env.PATH ?? '', LOG_DIR: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('burrow processes at their edges', () => {
  it('burrow queues into a reader that left: exits 0 without a stack trace', async () => {
    const { code, stderr } = await withReaderGone('workers/dist/cli/burrow-cli.js', ['queues'], {
      RABBITMQ_URL: AMQP_URL,
      REDIS_URL,
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('a worker whose LOG_DIR cannot be written says so and exits 78', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-logdir-')), 'a-file');
    fs.writeFileSync(file, '');
    const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [path.join(REPO, 'workers/dist/cli/worker-cli.js'), '--queues', 'cleanup'],
        {
          env: {
            PATH: process.env.PATH ?? '',
            RABBITMQ_URL: AMQP_URL,
            REDIS_URL,
            LOG_DIR: path.join(file, 'logs'),
          },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('exit', (code) => resolve({ code, stderr }));
    });
    expect(run.stderr).toBe(
      `burrow-worker: configuration error: LOG_DIR: cannot write log files in ${path.join(file, 'logs')} (ENOTDIR, running as uid ${process.getuid!()}): make it writable, or set LOG_DIR= for stdout only\n`,
    );
    expect(run.code).toBe(78);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });
});
