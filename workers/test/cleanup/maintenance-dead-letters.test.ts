import amqplib, { type ChannelModel } from 'amqplib';
import type { Redis } from 'ioredis';
import { QUORUM, connectRedis, createLogger, loadConfigFragment } from '@burrow/shared';
import { fakeContext } from '../../../testing/fake-context';
import { createPrivateVhost, type PrivateVhost } from '../../../testing/private-vhost';
import { REDIS_URL, uniqueName } from '../../../testing/stack';
import { cleanupConfig } from '../../src/cleanup/config';
import { dailyMaintenance } from '../../src/cleanup/daily-maintenance';
import { HealthSnapshots } from '../../src/cleanup/health-snapshot';
import { DeadLetterHeads, deadLetterPruning } from '../../src/cleanup/dead-letter-pruning';
import type { CleanupServices } from '../../src/cleanup/services';
import { BackendClient } from '../../src/providers/backend-client';
import { FilesInUse } from '../../src/providers/files-in-use';

const DAY = 86_400_000;

/** The dead_letters step on the real broker (a private vhost) with dead letters of set ages. */
describe('daily_maintenance_task: dead-letter pruning', () => {
  let vhost: PrivateVhost;
  let connection: ChannelModel;
  let redis: Redis;
  const prefix = `${uniqueName('dead-prune')}:`;
  const now = Date.now();
  const backend = new BackendClient({ baseUrl: 'http://127.0.0.1:1', apiKey: '' });

  const services = (env: Record<string, string> = {}): CleanupServices => ({
    backend,
    probes: { rabbitmq: () => Promise.resolve(), redis: () => Promise.resolve() },
    settings: loadConfigFragment(cleanupConfig, {
      MAINTENANCE_STEPS: 'dead_letters',
      ...env,
    }),
    health: new HealthSnapshots(redis, { keyPrefix: prefix, ttlSeconds: 60 }),
    filesInUse: new FilesInUse(redis, { keyPrefix: prefix }),
    deadLetters: deadLetterPruning(() => connection, new DeadLetterHeads(redis, prefix)),
    now: () => now,
    close: () => Promise.resolve(),
  });

  async function deadLetters(queue: string, ages: number[]) {
    const channel = await connection.createConfirmChannel();
    await channel.assertQueue(queue, { durable: true, arguments: QUORUM });
    ages.forEach((age, i) =>
      channel.sendToQueue(queue, Buffer.from('{}'), {
        persistent: true,
        headers: {
          id: `${queue}-${i}`,
          'x-burrow-failed-at': new Date(now - age * DAY).toISOString(),
        },
      }),
    );
    await channel.waitForConfirms();
    await channel.close();
  }

  /** Looks at every message left, in order, and returns them all by closing the channel. */
  async function peek(queue: string) {
    const channel = await connection.createChannel();
    const out: { id: string; deliveries: number }[] = [];
    for (;;) {
      const message = await channel.get(queue, { noAck: false });
      if (message === false) break;
      const headers = message.properties.headers ?? {};
      out.push({ id: String(headers.id), deliveries: Number(headers['x-delivery-count'] ?? 0) });
    }
    await channel.close();
    return out;
  }

  beforeAll(async () => {
    vhost = await createPrivateVhost('maintenance-dead');
    connection = await amqplib.connect(vhost.url);
    redis = await connectRedis(
      REDIS_URL,
      'client',
      createLogger({ service: 'test', silent: true }),
    );
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await connection?.close();
    await vhost?.close();
    await backend.close();
  });

  it('removes dead letters older than DEAD_LETTER_MAX_AGE_DAYS from every .dead, per queue', async () => {
    await deadLetters('email.dead', [45, 31, 29, 2]);
    await deadLetters('cleanup.dead', [400]);
    await deadLetters('notifications.dead', [3]);
    const result = await dailyMaintenance({}, fakeContext({ services: services() }));
    expect(result.steps.dead_letters).toEqual({
      status: 'ok',
      duration_ms: expect.any(Number),
      detail: {
        max_age_days: 30,
        cutoff: new Date(now - 30 * DAY).toISOString(),
        total_removed: 3,
        removed: { email: 2, notifications: 0, cleanup: 1 },
        remaining: { email: 2, notifications: 1, cleanup: 0 },
        not_due: {},
        not_declared: ['data_processing'],
        errors: {},
      },
    });
    // The younger ones are kept, in order; only the head was looked at.
    expect((await peek('email.dead')).map((m) => m.id)).toEqual(['email.dead-2', 'email.dead-3']);
  });

  it('does not take a head it knows is too young again, until it is due', async () => {
    await deadLetters('data_processing.dead', [10, 40]);
    const first = await dailyMaintenance({}, fakeContext({ services: services() }));
    expect(first.steps.dead_letters?.detail).toMatchObject({
      removed: { data_processing: 0 },
      not_due: {
        email: new Date(now - 29 * DAY + 30 * DAY).toISOString(),
        notifications: new Date(now - 3 * DAY + 30 * DAY).toISOString(),
      },
    });
    const before = await peek('data_processing.dead');
    await dailyMaintenance({}, fakeContext({ services: services() }));
    const after = await peek('data_processing.dead');
    // The second run did not touch the queue: the head's delivery count grew only by peek.
    expect(after.map((m) => m.id)).toEqual(before.map((m) => m.id));
    expect(after[0]!.deliveries).toBe(before[0]!.deliveries + 1);
  });

  it('prunes a remembered head that a shorter DEAD_LETTER_MAX_AGE_DAYS makes due', async () => {
    const result = await dailyMaintenance(
      {},
      fakeContext({ services: services({ DEAD_LETTER_MAX_AGE_DAYS: '5' }) }),
    );
    expect(result.steps.dead_letters?.detail).toMatchObject({
      removed: { email: 1, data_processing: 2, cleanup: 0 },
      remaining: { email: 1, data_processing: 0, cleanup: 0 },
      not_due: { notifications: new Date(now - 3 * DAY + 5 * DAY).toISOString() },
      total_removed: 3,
    });
    expect((await peek('email.dead')).map((m) => m.id)).toEqual(['email.dead-3']);
  });

  it('reports a broker it cannot reach per queue, and the step is not a task failure', async () => {
    const result = await dailyMaintenance(
      {},
      fakeContext({
        services: {
          ...services(),
          deadLetters: deadLetterPruning(
            () => undefined,
            new DeadLetterHeads(redis, `${uniqueName('other')}:`),
            ['email'],
          ),
        },
      }),
    );
    expect(result.steps.dead_letters).toMatchObject({
      status: 'ok',
      detail: { errors: { email: 'not connected to RabbitMQ' }, total_removed: 0 },
    });
  });

  it('is skipped when the worker gives no broker connection', async () => {
    const result = await dailyMaintenance(
      {},
      fakeContext({ services: { ...services(), deadLetters: null } }),
    );
    expect(result.steps.dead_letters).toMatchObject({
      status: 'skipped',
      detail: { reason: 'no broker connection for dead letters' },
    });
  });
});
