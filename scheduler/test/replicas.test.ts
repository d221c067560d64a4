import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import amqplib from 'amqplib';
import { Redis } from 'ioredis';
import { scheduledTaskId } from '@burrow/scheduler';
import { taskQueuesTopology, applyTopology, deadQueueName } from '@burrow/shared';
import { AMQP_URL, REDIS_URL, eventually, uniqueName } from '../../testing/stack';
import { spawnBurrow, type WorkerProcess } from '../../testing/worker-process';

const SCRIPT = 'scheduler/dist/cli/scheduler-cli.js';
const PERIOD_MS = 2000;

/** A schedule file with one entry firing every 2 s, publishing to `queue`. */
function scheduleFile(entry: string, queue: string): string {
  const file = path.join(os.tmpdir(), `${entry}.json`);
  fs.writeFileSync(
    file,
    JSON.stringify({
      replaceDefaults: true,
      entries: [{ name: entry, cron: '*/2 * * * * *', task: 'fixtures.add', args: [1, 2], queue }],
    }),
  );
  return file;
}

/** Drains the queue with basic.get and returns the task ids from the headers. */
async function drainIds(queue: string): Promise<string[]> {
  const connection = await amqplib.connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    const ids: string[] = [];
    for (;;) {
      const message = await channel.get(queue, { noAck: true });
      if (message === false) return ids;
      ids.push(String(message.properties.headers?.id));
    }
  } finally {
    await connection.close();
  }
}

async function declare(queue: string): Promise<void> {
  const connection = await amqplib.connect(AMQP_URL);
  await applyTopology(await connection.createChannel(), taskQueuesTopology([queue]));
  await connection.close();
}

async function cleanup(queue: string, entry: string): Promise<void> {
  const connection = await amqplib.connect(AMQP_URL);
  const channel = await connection.createChannel();
  for (const q of [queue, deadQueueName(queue)]) await channel.deleteQueue(q).catch(() => 0);
  await channel.deleteExchange(queue).catch(() => 0);
  await connection.close().catch(() => undefined);
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`burrow-schedule*:${entry}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}

/** Published slots per log line of a scheduler process. */
function publishedLines(proc: WorkerProcess): { slot: string; taskId: string; catchUp: boolean }[] {
  return proc
    .output()
    .split('\n')
    .filter((l) => l.includes('published periodic task'))
    .map((l) => JSON.parse(l) as { slot: string; taskId: string; catchUp: boolean });
}

const slotsBetween = (from: number, to: number) => {
  const slots: Date[] = [];
  for (let t = Math.ceil(from / PERIOD_MS) * PERIOD_MS; t <= to; t += PERIOD_MS)
    slots.push(new Date(t));
  return slots;
};

describe('scheduler replicas', () => {
  const procs: WorkerProcess[] = [];
  let queue = '';
  let entry = '';
  beforeEach(async () => {
    queue = uniqueName('sched-q');
    entry = uniqueName('every2s');
    await declare(queue);
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) p.kill('SIGKILL');
    await cleanup(queue, entry);
  });

  const start = async () => {
    const proc = spawnBurrow({ SCHEDULE_FILE: scheduleFile(entry, queue) }, [], SCRIPT);
    procs.push(proc);
    await proc.waitForLine(/scheduler ready/);
    return proc;
  };
  const stop = async (proc: WorkerProcess) => {
    proc.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  };

  it('publishes each fire time exactly once across two replicas', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const started = Date.now();
    const target = 7;
    await eventually(
      () => publishedLines(a).length + publishedLines(b).length >= target,
      25_000,
      `${target} publishes`,
    );
    await Promise.all([stop(a), stop(b)]);
    const elapsed = Date.now() - started;
    const ids = await drainIds(queue);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThanOrEqual(target);
    expect(ids.length).toBeLessThanOrEqual(Math.ceil(elapsed / PERIOD_MS) + 1);
    // Every id is the derived id of a 2-second slot in the run.
    const expected = new Set(
      slotsBetween(started - PERIOD_MS, Date.now()).map((s) => scheduledTaskId(entry, s)),
    );
    for (const id of ids) expect(expected.has(id)).toBe(true);
    const logged = [...publishedLines(a), ...publishedLines(b)].map((l) => l.taskId).sort();
    expect(logged).toEqual([...ids].sort());
  }, 60_000);

  it('after downtime publishes only the latest missed fire time', async () => {
    const first = await start();
    await eventually(() => publishedLines(first).length >= 2, 15_000, 'two publishes');
    await stop(first);
    const last = Math.max(...publishedLines(first).map((l) => Date.parse(l.slot)));
    // Wait until at least three fire times have passed with no scheduler running.
    await eventually(() => Date.now() >= last + 3 * PERIOD_MS + 300, 15_000, 'three missed slots');
    const second = await start();
    await eventually(() => publishedLines(second).length >= 2, 15_000, 'publishes after restart');
    await stop(second);

    const catchUps = publishedLines(second).filter((l) => l.catchUp);
    expect(catchUps).toHaveLength(1);
    const caught = Date.parse(catchUps[0]!.slot);
    expect(caught).toBeGreaterThanOrEqual(last + 3 * PERIOD_MS);
    const ids = new Set(await drainIds(queue));
    // The slots between the last one before the stop and the caught-up one were skipped.
    for (let t = last + PERIOD_MS; t < caught; t += PERIOD_MS)
      expect(ids.has(scheduledTaskId(entry, new Date(t)))).toBe(false);
    expect(ids.has(scheduledTaskId(entry, new Date(caught)))).toBe(true);
    expect(ids.has(scheduledTaskId(entry, new Date(last)))).toBe(true);
  }, 60_000);
});
