import { CONTINUATIONS_HEADER } from '@burrow/contracts';
import { eventually } from '../../testing/stack';
import { fixtures } from './engine-fixtures';
import { startEngine, type EngineHarness } from './engine-harness';

describe('a task that continues later', () => {
  let engine: EngineHarness;
  beforeAll(async () => {
    engine = await startEngine(fixtures);
  });
  afterAll(async () => {
    await engine?.stop();
  });

  const kinds = (id: string) => engine.outcomes.filter((o) => o.taskId === id).map((o) => o.kind);

  it('pauses twice without spending a retry, shows PROGRESS meanwhile, then succeeds', async () => {
    const id = await engine.client.send('t.paginate', {});
    const waiting = await eventually(
      async () => {
        const meta = await engine.results.get(id);
        return meta?.status === 'PROGRESS' ? meta : undefined;
      },
      10_000,
      'PROGRESS while the task waits to continue',
    );
    expect(waiting).toMatchObject({ status: 'PROGRESS', retries: 0, date_done: null });
    expect(waiting.result).toMatchObject({ of: 3 });
    await expect(engine.client.wait(id, 15_000)).resolves.toEqual({ parts: 3, retries: 0 });
    expect(await engine.results.get(id)).toMatchObject({ status: 'SUCCESS', retries: 0 });
    expect(kinds(id)).toEqual(['continue', 'continue', 'success']);
    await engine.brokerSettled();
  });

  it('dead-letters a task that asks to continue more than 20 times', async () => {
    const id = await engine.client.send('t.forever', {});
    await expect(engine.client.wait(id, 20_000)).rejects.toThrow(
      /too_many_continuations|at most 20/,
    );
    expect(kinds(id)).toEqual([...Array<string>(20).fill('continue'), 'dead']);
    const dead = await engine.deadLetter(id);
    expect(dead.properties.headers).toMatchObject({
      'x-burrow-code': 'too_many_continuations',
      [CONTINUATIONS_HEADER]: 20,
      retries: 0,
    });
    expect((await engine.results.get(id))?.result).toMatchObject({
      exc_type: 'RuntimeError',
      exc_message: [expect.stringMatching(/after 20 continuations \(at most 20\): part 21/)],
    });
    await engine.brokerSettled();
  });
});

describe('the continuation bound is the worker’s to set', () => {
  let engine: EngineHarness;
  beforeAll(async () => {
    engine = await startEngine(fixtures, { maxContinuations: 1 });
  });
  afterAll(async () => {
    await engine?.stop();
  });

  it('dead-letters at the configured bound', async () => {
    const id = await engine.client.send('t.paginate', {});
    await expect(engine.client.wait(id, 15_000)).rejects.toThrow(/at most 1/);
    expect(engine.outcomes.filter((o) => o.taskId === id).map((o) => o.kind)).toEqual([
      'continue',
      'dead',
    ]);
  });
});
