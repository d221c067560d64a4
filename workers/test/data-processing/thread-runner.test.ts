import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SoftTimeLimitExceeded, TaskTerminated } from '@burrow/shared';
import { eventually } from '../../../testing/stack';
import { ThreadRunner } from '../../src/data-processing/thread-runner';

const SPIN = path.join(__dirname, '../fixtures/data-runaway-thread.js');

/** Size of the tick file, or 0 before the first tick. */
const ticks = (file: string) =>
  stat(file).then(
    (s) => s.size,
    () => 0,
  );

/** Resolves once the file has stopped growing for `quietMs`. */
async function stopsGrowing(file: string, quietMs = 500): Promise<void> {
  await eventually(
    async () => {
      const before = await ticks(file);
      await new Promise((resolve) => setTimeout(resolve, quietMs));
      return (await ticks(file)) === before;
    },
    10_000,
    `${file} to stop growing`,
  );
}

describe('ThreadRunner', () => {
  let runner: ThreadRunner;
  let dir: string;
  beforeAll(async () => {
    runner = new ThreadRunner({ filename: SPIN, threads: 2 });
    dir = await mkdtemp(path.join(os.tmpdir(), 'burrow-threads-'));
  });
  afterAll(async () => {
    await runner.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs a job in a thread', async () => {
    await expect(
      runner.run('square', { n: 7 }, { signal: new AbortController().signal }),
    ).resolves.toBe(49);
  });

  it('terminates a runaway job graceMs after the signal aborts, and goes on serving', async () => {
    const tickFile = path.join(dir, 'grace.ticks');
    const controller = new AbortController();
    const started = Date.now();
    const running = runner.run('spin', { tickFile }, { signal: controller.signal, graceMs: 700 });
    await eventually(async () => (await ticks(tickFile)) > 0, 5_000, 'the first tick');
    controller.abort(new SoftTimeLimitExceeded(1));
    // Meanwhile the other thread serves.
    await expect(
      runner.run('square', { n: 3 }, { signal: new AbortController().signal }),
    ).resolves.toBe(9);
    await expect(running).rejects.toBeInstanceOf(SoftTimeLimitExceeded);
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    await stopsGrowing(tickFile);
    // The pool replaced the terminated thread.
    await expect(
      runner.run('square', { n: 4 }, { signal: new AbortController().signal }),
    ).resolves.toBe(16);
  });

  it('a revoke with terminate kills the thread at once, grace or not', async () => {
    const tickFile = path.join(dir, 'revoke.ticks');
    const controller = new AbortController();
    const running = runner.run(
      'spin',
      { tickFile },
      { signal: controller.signal, graceMs: 60_000 },
    );
    await eventually(async () => (await ticks(tickFile)) > 0, 5_000, 'the first tick');
    controller.abort(new TaskTerminated('revoked'));
    await expect(running).rejects.toBeInstanceOf(TaskTerminated);
    await stopsGrowing(tickFile);
  });

  it('an already aborted signal runs nothing', async () => {
    const controller = new AbortController();
    controller.abort(new SoftTimeLimitExceeded(1));
    await expect(
      runner.run('square', { n: 2 }, { signal: controller.signal }),
    ).rejects.toBeInstanceOf(SoftTimeLimitExceeded);
  });
});
