import { Type } from '@sinclair/typebox';
import { defineTask } from '@burrow/contracts';
import type { TaskDefinition } from '../src';
import { REDIS_URL, eventually } from '../../testing/stack';
import { celery, fixtures } from './engine-fixtures';
import { startEngine, type EngineHarness } from './engine-harness';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

describe('an outcome Redis will not take is requeued after the budget, not held', () => {
  let proxy: TcpProxy;
  let engine: EngineHarness;
  let runs = 0;
  beforeAll(async () => {
    const redis = new URL(REDIS_URL);
    proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
    // Succeeds, but takes Redis away first: the SUCCESS write cannot land.
    const cutsRedis = (queue: string): TaskDefinition => ({
      contract: defineTask({
        name: 't.cut',
        queue,
        description: 'cuts Redis, then succeeds',
        params: [],
        kwargs: Type.Object({}),
        result: Type.Unknown(),
      }),
      handler: async () => {
        runs += 1;
        if (runs === 1) proxy.cut();
        return 'done';
      },
    });
    engine = await startEngine((queue) => [...fixtures(queue), cutsRedis(queue)], {
      redisUrl: `redis://127.0.0.1:${proxy.port}${redis.pathname}`,
      redisBudgetSeconds: 1,
    });
  });
  afterAll(async () => {
    proxy?.restore();
    await engine?.stop();
    await proxy?.close();
  });

  it('hands the delivery back, and its redelivery completes once Redis returns', async () => {
    const id = await engine.client.send('t.cut', {});
    await eventually(
      () => engine.logs.some((l) => l.message === 'could not settle task; requeueing it'),
      10_000,
      'the requeue after the 1 s budget',
    );
    // The broker saw the delivery come back, rather than sit unacked with the worker.
    await eventually(async () => (await engine.brokerStats())?.redelivered, 20_000, 'a redelivery');
    proxy.restore();
    // The late SUCCESS write lands on reconnect, so the redelivery is a recognised duplicate.
    await eventually(
      () => engine.outcomes.some((o) => o.taskId === id),
      20_000,
      'the redelivery settled',
    );
    expect(engine.outcomes.filter((o) => o.taskId === id).map((o) => o.kind)).toEqual([
      'duplicate',
    ]);
    expect(await engine.results.get(id)).toMatchObject({ status: 'SUCCESS', result: 'done' });
    expect(runs).toBe(1);
    await engine.brokerSettled();
  });
});

describe('a message handed back again and again', () => {
  let engine: EngineHarness;
  beforeAll(async () => {
    engine = await startEngine(fixtures, { maxRedeliveries: 2, consume: false });
  });
  afterAll(async () => {
    await engine?.stop();
  });

  it('is dead-lettered unrun past maxRedeliveries, and tasks behind it run', async () => {
    await engine.publishRaw(JSON.stringify([[1, 2], {}, null]), celery('t.add', 'p-loop'));
    await engine.bounce(3);
    await engine.consume();
    const good = await engine.client.send('t.add', { x: 1, y: 1 });
    await expect(engine.client.wait(good, 10_000)).resolves.toBe(2);
    const dead = await engine.deadLetter('p-loop');
    expect(dead.properties.headers?.['x-burrow-code']).toBe('redelivery_loop');
    expect(await engine.results.get('p-loop')).toMatchObject({
      status: 'FAILURE',
      result: {
        exc_type: 'RuntimeError',
        exc_message: ['returned to the queue 3 times without being settled (at most 2)'],
      },
    });
    await engine.brokerSettled();
  });
});
