import { TaskFailedError } from '../src';
import { eventually } from '../../testing/stack';
import { celery, fixtures } from './engine-fixtures';
import { startEngine, type EngineHarness } from './engine-harness';

describe('consumer engine on a real RabbitMQ and Redis', () => {
  let engine: EngineHarness;
  beforeAll(async () => {
    engine = await startEngine(fixtures);
  });
  afterAll(async () => {
    await engine?.stop();
  });

  it('runs a task sent with kwargs and stores a Celery SUCCESS result', async () => {
    const id = await engine.client.send('t.add', { x: 2, y: 3 });
    await expect(engine.client.wait(id, 10_000)).resolves.toBe(5);
    const meta = await engine.results.get(id);
    expect(meta).toMatchObject({
      status: 'SUCCESS',
      result: 5,
      task_id: id,
      traceback: null,
      children: [],
      name: 't.add',
      worker: 'test-worker',
    });
    expect(meta?.date_done).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00$/);
  });

  it('maps positional args onto the contract parameter order', async () => {
    const id = await engine.client.send('t.add', [10, 20]);
    await expect(engine.client.wait(id, 10_000)).resolves.toBe(30);
  });

  it('dead-letters a permanent error at once with a FAILURE result Python can rebuild', async () => {
    const id = await engine.client.send('t.permanent', {});
    await expect(engine.client.wait(id, 10_000)).rejects.toThrow(TaskFailedError);
    const meta = await engine.results.get(id);
    expect(meta?.status).toBe('FAILURE');
    expect(meta?.result).toEqual({
      exc_type: 'ValueError',
      exc_message: ['card declined'],
      exc_module: 'builtins',
    });
    const dead = await eventually(
      async () => (await engine.drainDead()).find((m) => m.properties.correlationId === id),
      5_000,
      'dead letter',
    );
    expect(dead.properties.headers).toMatchObject({
      'x-burrow-code': 'declined',
      'x-burrow-worker': 'test-worker',
      'x-burrow-attempts': 1,
      'x-burrow-queue': engine.queue,
    });
    expect(String(dead.properties.headers?.['x-burrow-reason'])).toContain('card declined');
  });

  it('retries through the delay levels with the same id, then succeeds', async () => {
    const started = Date.now();
    const id = await engine.client.send('t.flaky', { failures: 2 });
    await expect(engine.client.wait(id, 20_000)).resolves.toEqual({ attempts: 3 });
    // two retries of 1 s backoff (no jitter): at least 2 s
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    expect(engine.outcomes.filter((o) => o.taskId === id).map((o) => o.kind)).toEqual([
      'retry',
      'retry',
      'success',
    ]);
  });

  it('honours a per-call retry override carried on the message', async () => {
    const id = await engine.client.send('t.flaky', { failures: 1 }, { retry: { maxRetries: 0 } });
    await expect(engine.client.wait(id, 10_000)).rejects.toThrow(
      /gave up after 1 attempts|flaky 0/,
    );
    expect(engine.outcomes.filter((o) => o.taskId === id).map((o) => o.kind)).toEqual(['dead']);
  });

  it('gives up after max retries and dead-letters with the attempt count', async () => {
    const id = await engine.client.send('t.flaky', { failures: 10 });
    await expect(engine.client.wait(id, 20_000)).rejects.toThrow(/flaky 2/);
    const dead = await eventually(
      async () => (await engine.drainDead()).find((m) => m.properties.correlationId === id),
      5_000,
      'dead letter',
    );
    expect(dead.properties.headers?.['x-burrow-attempts']).toBe(3);
    expect(String(dead.properties.headers?.['x-burrow-reason'])).toMatch(
      /gave up after 3 attempts/,
    );
  });

  it('fails a catalogue task without a handler clearly, never silently', async () => {
    const id = await engine.client.send('t.unimplemented', {});
    await expect(engine.client.wait(id, 10_000)).rejects.toThrow(
      /NotImplementedError: task t.unimplemented has no handler/,
    );
  });

  it('aborts the signal at the soft limit and fails the attempt at the hard limit', async () => {
    const polite = await engine.client.send('t.polite', {});
    await expect(engine.client.wait(polite, 10_000)).rejects.toThrow(/SoftTimeLimitExceeded/);
    const stubborn = await engine.client.send('t.stubborn', {});
    await expect(engine.client.wait(stubborn, 10_000)).rejects.toThrow(
      /TimeLimitExceeded: task exceeded its hard time limit of 2s/,
    );
  });

  it('stores REVOKED for a task delivered after it expired, without running it', async () => {
    const id = await engine.client.send(
      't.add',
      { x: 1, y: 1 },
      { expires: new Date(Date.now() - 1_000) },
    );
    await expect(engine.client.wait(id, 10_000)).rejects.toThrow(/REVOKED/);
    expect(engine.outcomes.filter((o) => o.taskId === id).map((o) => o.kind)).toEqual(['revoked']);
  });

  it('revokes an expired task even when this worker has no handler for it', async () => {
    const id = await engine.client.send(
      't.unimplemented',
      {},
      { expires: new Date(Date.now() - 1_000) },
    );
    await expect(engine.client.wait(id, 10_000)).rejects.toThrow(/REVOKED/);
    expect((await engine.results.get(id))?.result).toMatchObject({
      exc_type: 'TaskRevokedError',
      exc_message: [expect.stringMatching(/^expired at /)],
    });
    expect(engine.outcomes.filter((o) => o.taskId === id).map((o) => o.kind)).toEqual(['revoked']);
  });

  it('revokes an expired task unknown to this worker instead of dead-lettering it', async () => {
    const expired = new Date(Date.now() - 60_000).toISOString();
    await engine.publishRaw(
      JSON.stringify([[], {}, null]),
      celery('no.such.task', 'expired-unknown', { expires: expired }),
    );
    await eventually(
      async () => (await engine.results.get('expired-unknown'))?.status === 'REVOKED',
      10_000,
      'REVOKED',
    );
    expect(engine.outcomes.filter((o) => o.taskId === 'expired-unknown')).toEqual([
      { kind: 'revoked', taskId: 'expired-unknown' },
    ]);
    expect(
      (await engine.drainDead()).filter((m) => m.properties.correlationId === 'expired-unknown'),
    ).toEqual([]);
  });

  it('keeps the result of a completed task when an expired copy of it arrives', async () => {
    const id = await engine.client.send('t.add', { x: 2, y: 2 });
    await expect(engine.client.wait(id, 10_000)).resolves.toBe(4);
    await engine.client.send(
      't.add',
      { x: 2, y: 2 },
      { taskId: id, expires: new Date(Date.now() - 1_000) },
    );
    await eventually(
      () => engine.outcomes.some((o) => o.taskId === id && o.kind === 'duplicate'),
      10_000,
      'duplicate outcome',
    );
    expect((await engine.results.get(id))?.status).toBe('SUCCESS');
  });

  it('holds a countdown task in the delay levels, not in the worker, and runs it on time', async () => {
    const sent = Date.now();
    const id = await engine.client.send('t.add', { x: 4, y: 4 }, { countdown: 2 });
    await expect(engine.client.wait(id, 15_000)).resolves.toBe(8);
    const waited = Date.now() - sent;
    expect(waited).toBeGreaterThanOrEqual(1_900);
    expect(waited).toBeLessThan(4_500);
  });

  it('acks a redelivered task that already completed without running it again', async () => {
    const id = await engine.client.send('t.add', { x: 1, y: 2 });
    await engine.client.wait(id, 10_000);
    await engine.client.send('t.add', { x: 1, y: 2 }, { taskId: id });
    await eventually(
      () => engine.outcomes.some((o) => o.taskId === id && o.kind === 'duplicate'),
      10_000,
      'duplicate outcome',
    );
    expect(engine.outcomes.filter((o) => o.taskId === id && o.kind === 'success')).toHaveLength(1);
  });
});

describe('bad input never crashes the worker or blocks the queue', () => {
  let engine: EngineHarness;
  beforeAll(async () => {
    engine = await startEngine(fixtures);
  });
  afterAll(async () => {
    await engine?.stop();
  });

  it('dead-letters each kind of poison with its reason, and tasks behind them still run', async () => {
    await engine.publishRaw('{not json', celery('t.add', 'p-notjson'));
    await engine.publishRaw('x', {
      ...celery('t.add', 'p-pickle'),
      contentType: 'application/x-python-serialize',
    });
    await engine.publishRaw(JSON.stringify([[], {}, null]), celery('no.such.task', 'p-unknown'));
    await engine.publishRaw(
      JSON.stringify([[], { x: 'one', y: 2 }, null]),
      celery('t.add', 'p-schema'),
    );
    await engine.publishRaw(
      JSON.stringify([[], { x: 1, y: 2 }, null]),
      celery('t.add', 'p-eta', { eta: 'next tuesday' }),
    );
    await engine.publishRaw(
      JSON.stringify([[], { x: 1, y: 2 }, null]),
      celery('t.add', 'p-retries', { retries: 'many' }),
    );
    await engine.publishRaw(JSON.stringify([[1, 2, 3], {}, null]), celery('t.add', 'p-args'));
    await engine.publishRaw('{"x": 1, "y": 2}', { headers: { task: 't.add' } }); // no id anywhere
    const huge = JSON.stringify([[], { x: 'a'.repeat(10 * 1024 * 1024), y: 1 }, null]);
    await engine.publishRaw(huge, celery('t.add', 'p-huge'));
    const good = await engine.client.send('t.add', { x: 20, y: 22 });
    await expect(engine.client.wait(good, 10_000)).resolves.toBe(42);

    const dead = await eventually(
      async () => {
        const all = [...collected, ...(await engine.drainDead())];
        collected.splice(0, collected.length, ...all);
        return all.length >= 9 ? all : undefined;
      },
      10_000,
      'nine dead letters',
    );
    const codes = Object.fromEntries(
      dead.map((m) => [
        String(m.properties.correlationId ?? 'no-id'),
        m.properties.headers?.['x-burrow-code'],
      ]),
    );
    expect(codes).toEqual({
      'p-notjson': 'not_json',
      'p-pickle': 'unsupported_content_type',
      'p-unknown': 'unknown_task',
      'p-schema': 'schema',
      'p-eta': 'bad_header',
      'p-retries': 'bad_header',
      'p-args': 'bad_arguments',
      'no-id': 'missing_task_id',
      'p-huge': 'schema',
    });
    expect(dead.find((m) => m.properties.correlationId === 'p-huge')?.content.length).toBe(
      huge.length,
    );
    const hugeResult = await engine.results.get('p-huge');
    expect(hugeResult).toMatchObject({ status: 'FAILURE', kwargs: null });
    expect(JSON.stringify(hugeResult).length).toBeLessThan(10_000);
    expect((await engine.results.get('p-schema'))?.result).toMatchObject({
      exc_type: 'ValueError',
      exc_message: [expect.stringMatching(/x: Expected number/)],
    });
    expect((await engine.results.get('p-unknown'))?.result).toMatchObject({
      exc_type: 'NotRegistered',
      exc_module: 'celery.exceptions',
    });
    expect((await engine.results.get('p-notjson'))?.status).toBe('FAILURE');
  });
  const collected: import('amqplib').GetMessage[] = [];
});
