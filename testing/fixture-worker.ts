import path from 'node:path';
import amqplib from 'amqplib';
import { AMQP_URL, REPO_ROOT } from './stack';
import { spawnBurrow, type WorkerProcess } from './worker-process';

/** A real burrow-worker serving the fixture tasks on `queue`. */
export function spawnFixtureWorker(
  queue: string,
  env: Record<string, string> = {},
  args: string[] = [],
): WorkerProcess {
  return spawnBurrow(
    {
      BURROW_FIXTURE_QUEUE: queue,
      WORKER_TASK_MODULES: path.join(REPO_ROOT, 'workers/test/fixtures/fixture-tasks.js'),
      ...env,
    },
    ['--queues', queue, ...args],
  );
}

/** Ready message count of a queue, read passively. */
export async function queueDepth(queue: string): Promise<number> {
  const connection = await amqplib.connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    return (await channel.checkQueue(queue)).messageCount;
  } finally {
    await connection.close();
  }
}

export async function deleteQueues(...queues: string[]): Promise<void> {
  const connection = await amqplib.connect(AMQP_URL);
  const channel = await connection.createChannel();
  for (const queue of queues) await channel.deleteQueue(queue).catch(() => undefined);
  await connection.close().catch(() => undefined);
}
