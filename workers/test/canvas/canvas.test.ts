import type { ChildProcess } from 'node:child_process';
import amqplib from 'amqplib';
import { derivedId } from '@burrow/shared';
import { deleteQueues } from '../../../testing/fixture-worker';
import { AMQP_URL, eventually, uniqueName } from '../../../testing/stack';
import { connectTestClient } from '../../../testing/test-client';
import type { WorkerProcess } from '../../../testing/worker-process';
import {
  canvasQueues,
  runScenario,
  spawnCanvasWorker,
  startPythonCanvasWorker,
} from './celery-canvas';

interface Raised {
  readonly raised?: string;
  readonly module?: string;
  readonly message?: string;
  readonly returned?: unknown;
}

/** Celery canvas from a stock Celery 5 client, carried out by a real burrow worker. */
describe('Celery canvas on burrow workers', () => {
  const queues = canvasQueues(uniqueName('canvas'));
  let worker: WorkerProcess;
  let session: Awaited<ReturnType<typeof connectTestClient>>;

  beforeAll(async () => {
    worker = spawnCanvasWorker(queues);
    await worker.waitForLine(/worker ready/);
    session = await connectTestClient();
  });

  afterAll(async () => {
    worker?.kill('SIGKILL');
    await session?.close();
    await deleteQueues(queues.a, `${queues.a}.dead`, queues.b, `${queues.b}.dead`, queues.py);
  });

  it('runs a link callback with the parent result prepended', async () => {
    const out = await runScenario(queues, 'link');
    expect(out).toEqual({ parent: 5, callback: 50 });
  });

  it('runs a link_error errback, called with the failed task id, on final failure', async () => {
    const out = await runScenario<{ parent_id: string; parent: Raised }>(queues, 'link_error');
    expect(out.parent).toMatchObject({ raised: 'ValueError', message: 'bad VIN' });
    // The errback had no id of its own: burrow derives one from the parent and its place.
    const errbackId = derivedId(`${out.parent_id}:link_error:0`);
    const meta = await eventually(
      async () => finished(await session.results.get(errbackId)),
      20_000,
      'the errback',
    );
    expect(meta).toMatchObject({
      status: 'SUCCESS',
      result: { failed: out.parent_id },
      name: 'canvas.record',
      queue: queues.b,
    });
  });

  it('runs a chain of three tasks across two queues, honouring countdown and immutable', async () => {
    const out = await runScenario<{
      result: number;
      parents: number[];
      waited: number;
      immutable: number;
      failing: Raised;
    }>(queues, 'chained');
    expect(out.result).toBe(35); // (1 + 2) * 10 + 5
    expect(out.parents).toEqual([30, 3]);
    expect(out.waited).toBeGreaterThanOrEqual(2); // the middle step's countdown
    expect(out.immutable).toBe(101); // .si(): the parent's result was not prepended
    // A failed step fails the steps after it, so waiting on the chain raises instead of hanging.
    expect(out.failing).toMatchObject({ raised: 'ValueError', message: 'boom' });
  });

  it('runs a chord of 20 header tasks and hands the body their results in header order', async () => {
    const out = await runScenario<{ result: number[] }>(queues, 'chorded');
    expect(out.result).toEqual(Array.from({ length: 20 }, (_, i) => 2 * i));
  });

  it('fails a chord with ChordError when a header task fails, and runs the body errback', async () => {
    const out = await runScenario<
      Raised & { is_chord_error: boolean; body_id: string; through_parent: Raised }
    >(queues, 'chord_failing');
    // body.get() raises the header task's own error first, as with Python workers (Celery's
    // AsyncResult checks the parents); the body's own result is the ChordError.
    expect(out.through_parent).toMatchObject({ raised: 'ValueError', message: 'bad row' });
    expect(out).toMatchObject({ raised: 'ChordError', module: 'celery.exceptions' });
    expect(out.is_chord_error).toBe(true);
    expect(out.message).toMatch(/^Dependency [0-9a-f-]{36} raised ValueError\('bad row'\)$/);
    const errbackId = derivedId(`${out.body_id}:link_error:0`);
    const meta = await eventually(
      async () => finished(await session.results.get(errbackId)),
      20_000,
      'body errback',
    );
    expect(meta).toMatchObject({ status: 'SUCCESS', result: { failed: out.body_id } });
  });

  it('restores a saved GroupResult of burrow tasks', async () => {
    const out = await runScenario(queues, 'group_saved');
    expect(out).toEqual({ same_id: true, result: [1, 2, 3] });
  });

  it('dead-letters a follow-up it cannot route, with the reason, and fails its result', async () => {
    const out = await runScenario<{ parent: number; orphan_id: string; orphan: Raised }>(
      queues,
      'unroutable',
    );
    expect(out.parent).toBe(2);
    expect(out.orphan).toMatchObject({ raised: 'NotRegistered' });
    expect(out.orphan.message).toMatch(/python\.only_task .*names no queue/);
    const connection = await amqplib.connect(AMQP_URL);
    try {
      const channel = await connection.createChannel();
      const dead = await eventually(
        async () => {
          for (;;) {
            const message = await channel.get(`${queues.a}.dead`, { noAck: true });
            if (message === false) return undefined;
            if (message.properties.correlationId === out.orphan_id) return message;
          }
        },
        10_000,
        'the dead-lettered follow-up',
      );
      expect(dead.properties.headers).toMatchObject({
        task: 'python.only_task',
        'x-burrow-code': 'unroutable_follow_up',
        'x-burrow-queue': queues.a,
      });
      expect(JSON.parse(dead.content.toString())[0]).toEqual([2]);
    } finally {
      await connection.close();
    }
  });

  describe('beside a Python Celery worker', () => {
    let python: ChildProcess;
    let output = '';

    beforeAll(async () => {
      python = startPythonCanvasWorker(queues, `${queues.py}@test`);
      const collect = (chunk: Buffer) => (output += chunk.toString());
      python.stdout?.on('data', collect);
      python.stderr?.on('data', collect);
      await eventually(() => / ready\./.test(output), 60_000, `the Python worker:\n${output}`);
    });

    afterAll(async () => {
      const exited = new Promise((resolve) => python?.once('exit', resolve));
      python?.kill('SIGTERM');
      await exited;
    });

    it('agrees on the chord keys: header tasks on both fleets, body sent once', async () => {
      const out = await runScenario<{ result: number[] }>(queues, 'chord_mixed');
      expect(out.result).toEqual(Array.from({ length: 10 }, (_, i) => 2 * i));
      // The Python worker ran its half of the header.
      expect(output.match(/Task canvas\.py_add\[[^\]]+\] succeeded/g)).toHaveLength(5);
    });
  });
});

/** A stored result once the task has finished (SUCCESS or FAILURE); undefined before. */
function finished<T extends { status: string }>(meta: T | null): T | undefined {
  return meta && ['SUCCESS', 'FAILURE'].includes(meta.status) ? meta : undefined;
}
