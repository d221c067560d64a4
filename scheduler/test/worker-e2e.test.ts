import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { REDIS_URL, eventually, uniqueName } from '../../testing/stack';
import { connectTestClient } from '../../testing/test-client';
import { deleteQueues, spawnFixtureWorker } from '../../testing/fixture-worker';
import { spawnBurrow } from '../../testing/worker-process';

describe('scheduler → worker', () => {
  it('a published periodic task runs on a worker under its derived task id', async () => {
    const queue = uniqueName('sched-e2e');
    const entry = uniqueName('add');
    const file = path.join(os.tmpdir(), `${entry}.json`);
    fs.writeFileSync(
      file,
      JSON.stringify([
        {
          name: entry,
          cron: '*/2 * * * * *',
          task: 'fixtures.add',
          args: [1, 2],
          queue,
          options: { expiresSeconds: 60 },
        },
      ]),
    );
    const worker = spawnFixtureWorker(queue);
    const scheduler = spawnBurrow(
      { SCHEDULE_FILE: file, SCHEDULER_HTTP_PORT: '0' },
      [],
      'scheduler/dist/cli/scheduler-cli.js',
    );
    const test = await connectTestClient();
    try {
      const line = await scheduler.waitForLine(/published periodic task/);
      const { taskId } = JSON.parse(line) as { taskId: string };
      const meta = await eventually(
        async () => {
          const m = await test.results.get(taskId);
          return m?.status === 'SUCCESS' ? m : undefined;
        },
        20_000,
        'SUCCESS result',
      );
      expect(meta.result).toBe(3);
    } finally {
      scheduler.kill();
      worker.kill();
      await Promise.all([scheduler.exited, worker.exited]);
      await test.close();
      await deleteQueues(queue, `${queue}.dead`);
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`burrow-schedule*:${entry}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
  }, 60_000);
});
