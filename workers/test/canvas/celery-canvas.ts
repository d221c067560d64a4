import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { AMQP_URL, REDIS_URL, REPO_ROOT } from '../../../testing/stack';
import { spawnBurrow, type WorkerProcess } from '../../../testing/worker-process';

const run = promisify(execFile);
export const PYTHON = '/usr/bin/python3';
/** canvas_app.py and canvas_client.py: Celery imports the app module from its working directory. */
const HERE = __dirname;

/** The queues of one test: burrow serves `a` and `b`, a Python worker (when started) `py`. */
export interface CanvasQueues {
  readonly a: string;
  readonly b: string;
  readonly py: string;
}

export function canvasQueues(a: string): CanvasQueues {
  return { a, b: `${a}-b`, py: `${a}-py` };
}

function celeryEnv(queues: CanvasQueues, brokerUrl = AMQP_URL): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    PYTHONUNBUFFERED: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    CANVAS_BROKER: brokerUrl,
    CANVAS_BACKEND: REDIS_URL,
    CANVAS_QUEUE: queues.a,
    CANVAS_QUEUE_B: queues.b,
    CANVAS_QUEUE_PY: queues.py,
  };
}

/** A real burrow-worker serving the canvas fixture tasks on both queues. */
export function spawnCanvasWorker(
  queues: CanvasQueues,
  env: Record<string, string> = {},
): WorkerProcess {
  return spawnBurrow(
    {
      BURROW_CANVAS_QUEUE: queues.a,
      BURROW_CANVAS_QUEUE_B: queues.b,
      WORKER_TASK_MODULES: path.join(REPO_ROOT, 'workers/test/fixtures/canvas-tasks.js'),
      ...env,
    },
    ['--queues', `${queues.a},${queues.b}`, '--concurrency', '4'],
  );
}

/** Runs one scenario of canvas_client.py with the stock Celery client; its last JSON line. */
export async function runScenario<T = Record<string, unknown>>(
  queues: CanvasQueues,
  scenario: string,
  timeoutMs = 90_000,
): Promise<T> {
  const { stdout } = await run(PYTHON, [path.join(HERE, 'canvas_client.py'), scenario], {
    cwd: HERE,
    env: celeryEnv(queues),
    timeout: timeoutMs,
  });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as T;
}

/** Starts a scenario and hands back its process, for tests that act while it runs. */
export function startScenario(queues: CanvasQueues, scenario: string): ChildProcess {
  return spawn(PYTHON, [path.join(HERE, 'canvas_client.py'), scenario], {
    cwd: HERE,
    env: celeryEnv(queues),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** A real Python Celery worker (solo pool) serving canvas.py_add on `queues.py`. */
export function startPythonCanvasWorker(queues: CanvasQueues, nodeName: string): ChildProcess {
  return spawn(
    PYTHON,
    [
      '-m',
      'celery',
      '-A',
      'canvas_app',
      'worker',
      '-Q',
      queues.py,
      '-n',
      nodeName,
      '--pool',
      'solo',
      '-l',
      'INFO',
      '--without-gossip',
      '--without-mingle',
      '--without-heartbeat',
    ],
    { cwd: HERE, env: celeryEnv(queues), stdio: ['ignore', 'pipe', 'pipe'] },
  );
}
