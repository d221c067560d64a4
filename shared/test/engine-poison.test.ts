import type { GetMessage } from 'amqplib';
import { MAX_BODY_DEPTH } from '@burrow/contracts';
import { eventually } from '../../testing/stack';
import { celery, fixtures } from './engine-fixtures';
import { startEngine, type EngineHarness } from './engine-harness';

/**
 * Messages that used to escape the dead-letter path: held unacked for ever, or dead-lettered
 * without their FAILURE result. Each must end as a dead letter with its code, a FAILURE result
 * under its id, nothing held by the worker (as the broker itself counts it), and a valid task
 * published behind it must still run.
 */
describe('hostile messages are dead-lettered, stored as FAILURE and acked', () => {
  let engine: EngineHarness;
  beforeAll(async () => {
    engine = await startEngine(fixtures);
  });
  afterAll(async () => {
    await engine?.stop();
  });

  /** Publishes the poison, then a valid task; returns the poison's dead letter. */
  async function poison(id: string, body: Buffer | string, extra = {}): Promise<GetMessage> {
    await engine.publishRaw(body, celery('t.add', id, extra));
    const good = await engine.client.send('t.add', { x: 40, y: 2 });
    await expect(engine.client.wait(good, 10_000)).resolves.toBe(42);
    const dead = await engine.deadLetter(id);
    await engine.brokerSettled();
    return dead;
  }

  async function failure(id: string) {
    const meta = await engine.results.get(id);
    expect(meta).toMatchObject({ status: 'FAILURE', task_id: id, name: 't.add' });
    return meta!.result as { exc_type: string; exc_message: string[] };
  }

  it('refuses an eta beyond the delay levels (year 9999) instead of holding it', async () => {
    const dead = await poison('p-eta-9999', JSON.stringify([[1, 2], {}, null]), {
      eta: '9999-12-31T23:59:59+00:00',
    });
    expect(dead.properties.headers?.['x-burrow-code']).toBe('eta_too_far');
    expect(await failure('p-eta-9999')).toMatchObject({
      exc_type: 'ValueError',
      exc_message: [expect.stringMatching(/eta 9999-12-31.*beyond the longest delay/)],
    });
  });

  it('still defers an eta that is far but within reach, through the delay levels', async () => {
    const eta = new Date(Date.now() + 3 * 86_400_000).toISOString();
    await engine.publishRaw(
      JSON.stringify([[1, 2], {}, null]),
      celery('t.add', 'p-eta-far', { eta }),
    );
    await eventually(
      () => engine.outcomes.some((o) => o.taskId === 'p-eta-far'),
      10_000,
      'the far eta settled',
    );
    expect(engine.outcomes.filter((o) => o.taskId === 'p-eta-far').map((o) => o.kind)).toEqual([
      'defer',
    ]);
    expect(await engine.results.get('p-eta-far')).toBeNull();
    await engine.brokerSettled();
    expect((await engine.drainDead()).map((m) => String(m.properties.correlationId))).not.toContain(
      'p-eta-far',
    );
  });

  it('refuses a body nested 50 000 levels deep before parsing it', async () => {
    const dead = await poison('p-deep', '['.repeat(50_000) + ']'.repeat(50_000));
    expect(dead.properties.headers?.['x-burrow-code']).toBe('too_deep');
    expect(dead.content.length).toBe(100_000);
    expect(await failure('p-deep')).toMatchObject({
      exc_type: 'ValueError',
      exc_message: [
        `body nests arrays or objects deeper than ${MAX_BODY_DEPTH} levels; refused before parsing`,
      ],
    });
  });

  it('refuses deep nesting inside the kwargs', async () => {
    const deep = '['.repeat(40_000) + ']'.repeat(40_000);
    const dead = await poison('p-deep-kwargs', `[[], {"a": ${deep}}, {}]`);
    expect(dead.properties.headers?.['x-burrow-code']).toBe('too_deep');
    expect((await failure('p-deep-kwargs')).exc_message[0]).toMatch(/deeper than 64 levels/);
  });

  it('refuses a body that is not valid UTF-8 instead of running it with replacement characters', async () => {
    const body = Buffer.concat([
      Buffer.from('[[], {"x": "'),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('", "y": 1}, null]'),
    ]);
    const dead = await poison('p-utf8', body);
    expect(dead.properties.headers?.['x-burrow-code']).toBe('invalid_utf8');
    expect(dead.content.equals(body)).toBe(true);
    expect(await failure('p-utf8')).toMatchObject({
      exc_type: 'DecodeError',
      exc_module: 'kombu.exceptions',
      exc_message: [expect.stringMatching(/not valid UTF-8/)],
    });
  });
});

describe('a result that cannot be stored', () => {
  let engine: EngineHarness;
  beforeAll(async () => {
    engine = await startEngine(fixtures);
  });
  afterAll(async () => {
    await engine?.stop();
  });

  it('fails at once as EncodeError (no retries of the write), dead-lettered and acked', async () => {
    const id = await engine.client.send('t.bigint', {});
    await expect(engine.client.wait(id, 10_000)).rejects.toThrow(/EncodeError/);
    expect((await engine.results.get(id))?.result).toMatchObject({
      exc_type: 'EncodeError',
      exc_module: 'kombu.exceptions',
      exc_message: [
        expect.stringMatching(/cannot be stored as JSON: Do not know how to serialize a BigInt/),
      ],
    });
    const dead = await engine.deadLetter(id);
    expect(dead.properties.headers?.['x-burrow-code']).toBe('result_not_serializable');
    expect(engine.outcomes.filter((o) => o.taskId === id).map((o) => o.kind)).toEqual(['dead']);
    expect(engine.logs.filter((l) => /waiting for Redis/.test(l.message))).toEqual([]);
    await engine.brokerSettled();
  });
});
