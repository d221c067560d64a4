import { Redis } from 'ioredis';
import { BrokerUnavailableError, PermanentError, createLogger } from '@burrow/shared';
import { REDIS_URL, uniqueName } from '../../testing/stack';
import { compileEntry } from '../src/schedule-entry';
import { SlotPublisher } from '../src/slot-publisher';
import { SlotStore } from '../src/slot-store';
import { scheduledTaskId } from '../src/task-id';

describe('SlotPublisher against a real Redis', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  afterAll(() => redis.disconnect());

  const entry = () =>
    compileEntry(
      {
        name: uniqueName('entry'),
        cron: '*/5 * * * *',
        task: 'tasks.cleanup_tasks.system_health_check_task',
      },
      { timezone: 'UTC', catchUpWindowSeconds: 3600 },
    );
  const slot = new Date('2026-11-27T04:05:00Z');
  const logger = createLogger({ service: 'test', silent: true });

  it('keeps retrying while the broker is away, then publishes the slot once with its derived id', async () => {
    const sent: string[] = [];
    let failures = 2;
    const client = {
      send: async (_name: string, _args: unknown, options?: { taskId?: string }) => {
        if (failures-- > 0)
          throw new BrokerUnavailableError('publish failed: no confirm within 10000ms');
        sent.push(options!.taskId!);
        return options!.taskId!;
      },
    };
    const compiled = entry();
    const publisher = new SlotPublisher({
      client,
      slots: new SlotStore({ redis, keyPrefix: `${compiled.name}:` }),
      logger,
    });
    const result = await publisher.publish(compiled, slot, 'tick');
    expect(result).toEqual({ kind: 'published', taskId: scheduledTaskId(compiled.name, slot) });
    expect(sent).toEqual([scheduledTaskId(compiled.name, slot)]);
  }, 20_000);

  it('gives up at once on a permanent error and releases the claim for a later try', async () => {
    const client = { send: () => Promise.reject(new PermanentError('invalid arguments')) };
    const compiled = entry();
    const slots = new SlotStore({ redis, keyPrefix: `${compiled.name}:` });
    const publisher = new SlotPublisher({ client, slots, logger });
    const result = await publisher.publish(compiled, slot, 'tick');
    expect(result.kind).toBe('failed');
    expect(await slots.claim(compiled.name, slot)).not.toBeNull();
  });
});
