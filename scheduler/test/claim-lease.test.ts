import { spawn } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import { BrokerUnavailableError, createLogger } from '@burrow/shared';
import { REDIS_URL, REPO_ROOT, eventually, uniqueName } from '../../testing/stack';
import { compileEntry } from '../src/schedule-entry';
import { SlotPublisher } from '../src/slot-publisher';
import { SlotStore } from '../src/slot-store';
import { scheduledTaskId } from '../src/task-id';

const logger = createLogger({ service: 'test', silent: true });
const slot = new Date('2026-11-27T02:00:00Z');
const LEASE_SECONDS = 1;

const compiledEntry = () =>
  compileEntry(
    {
      name: uniqueName('lease'),
      cron: '0 2 * * *',
      task: 'tasks.cleanup_tasks.daily_maintenance_task',
    },
    { timezone: 'UTC', catchUpWindowSeconds: 3600 },
  );

/** A client whose broker never confirms: the publish keeps retrying, holding the claim. */
const stuckClient = {
  send: () => Promise.reject(new BrokerUnavailableError('publish failed: no confirm')),
};

describe('a fire-time claim is a lease until the broker confirms', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  afterAll(() => redis.disconnect());

  it('a replica whose holder died before the confirm takes the slot over after the lease', async () => {
    const entry = compiledEntry();
    const keyPrefix = `${entry.name}:`;
    // Replica A claims, then dies: its own process (with its Redis connection) killed mid-publish.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `
        const { Redis } = require('ioredis');
        const redis = new Redis(process.env.REDIS_URL);
        redis.set(process.env.KEY, 'dead-holder', 'PX', ${LEASE_SECONDS * 1000}, 'NX')
          .then((ok) => { process.stdout.write(ok + '\\n'); setInterval(() => {}, 1000); });
        `,
      ],
      {
        cwd: path.join(REPO_ROOT, 'scheduler'),
        env: {
          ...process.env,
          REDIS_URL,
          KEY: `${keyPrefix}burrow-schedule:${entry.name}:${slot.toISOString()}`,
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
    holder.kill('SIGKILL');

    // Replica B fired at the same time and lost the claim.
    const sent: string[] = [];
    const client = {
      send: (_n: string, _a: unknown, options?: { taskId?: string }) => {
        sent.push(options!.taskId!);
        return Promise.resolve(options!.taskId!);
      },
    };
    const slots = new SlotStore({ redis, keyPrefix, claimLeaseSeconds: LEASE_SECONDS });
    const replica = new SlotPublisher({ client, slots, logger });
    expect(await replica.publish(entry, slot, 'tick')).toMatchObject({ kind: 'taken' });
    await eventually(() => sent.length === 1, 10_000, 'the slot taken over');
    expect(sent).toEqual([scheduledTaskId(entry.name, slot)]);
    expect(await slots.lastPublished(entry.name)).toEqual(slot);
    // Settled: the claim now lives its full TTL, so no replica redoes the slot.
    expect(await redis.pttl(slots.claimKey(entry.name, slot))).toBeGreaterThan(3_600_000);
    await replica.drain();
  });

  it('a live holder still retrying keeps its lease: the watching replica does not publish', async () => {
    const entry = compiledEntry();
    const keyPrefix = `${entry.name}:`;
    const stuck = new SlotPublisher({
      client: stuckClient,
      slots: new SlotStore({ redis, keyPrefix, claimLeaseSeconds: LEASE_SECONDS }),
      logger,
      retryForMs: 4_000,
    });
    const holding = stuck.publish(entry, slot, 'tick');
    await eventually(
      async () =>
        (await redis.exists(`${keyPrefix}burrow-schedule:${entry.name}:${slot.toISOString()}`)) ===
        1,
      5_000,
      'the claim',
    );
    const sent: string[] = [];
    const watcher = new SlotPublisher({
      client: {
        send: (_n: string, _a: unknown, o?: { taskId?: string }) => (
          sent.push(o!.taskId!),
          Promise.resolve(o!.taskId!)
        ),
      },
      slots: new SlotStore({ redis, keyPrefix, claimLeaseSeconds: LEASE_SECONDS }),
      logger,
    });
    expect(await watcher.publish(entry, slot, 'tick')).toMatchObject({ kind: 'taken' });
    // Three leases go by while the holder renews.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(sent).toEqual([]);
    // The holder gives up and releases; the watcher then publishes the slot.
    expect(await holding).toMatchObject({ kind: 'failed' });
    await eventually(() => sent.length === 1, 10_000, 'the watcher publishing after the release');
    await watcher.drain();
  }, 30_000);
});
