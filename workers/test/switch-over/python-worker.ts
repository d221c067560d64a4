import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const PYTHON = '/usr/bin/python3';
/** Where switchover_tasks.py lives: Celery imports the app module from its working directory. */
const INTEROP_DIR = path.join(__dirname, '..', 'interop');
const APP = 'switchover_tasks';

export interface PythonWorker {
  readonly nodeName: string;
  output(): string;
  /** Resolves once a line of output matches `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Warm shutdown (SIGTERM), then the exit code. */
  stop(): Promise<number | string>;
}

function celeryEnv(brokerUrl: string, backendUrl: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    SWITCHOVER_BROKER: brokerUrl,
    SWITCHOVER_BACKEND: backendUrl,
    PYTHONUNBUFFERED: '1',
  };
}

/**
 * A real Python Celery worker (Debian's Celery 5) on `queues`, declaring them its own way:
 * classic queues without arguments.
 */
export function startPythonWorker(options: {
  brokerUrl: string;
  backendUrl: string;
  queues: readonly string[];
  nodeName: string;
}): PythonWorker {
  const child = spawn(
    PYTHON,
    [
      '-m',
      'celery',
      '-A',
      APP,
      'worker',
      '-Q',
      options.queues.join(','),
      '-n',
      options.nodeName,
      '--pool',
      'solo',
      '-l',
      'INFO',
      // Peers' gossip and mingle add seconds of start-up and nothing this test looks at.
      '--without-gossip',
      '--without-mingle',
    ],
    {
      cwd: INTEROP_DIR,
      env: celeryEnv(options.brokerUrl, options.backendUrl),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let text = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return {
    nodeName: options.nodeName,
    output: () => text,
    waitForLine: (pattern, timeoutMs = 30_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`python worker: no line matching ${pattern}; output:\n${text}`));
        }, timeoutMs);
        const check = () => {
          if (!pattern.test(text)) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve();
        };
        listeners.add(check);
        void exited.then(() => setTimeout(check, 10));
        check();
      }),
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * `celery control cancel_consumer <queue>` sent to one Python node only: burrow workers answer
 * remote control too, and a broadcast would make them stop consuming the queue as well.
 */
export async function cancelPythonConsumer(
  options: { brokerUrl: string; backendUrl: string; nodeName: string },
  queue: string,
): Promise<string> {
  const { stdout, stderr } = await run(
    PYTHON,
    ['-m', 'celery', '-A', APP, 'control', '-d', options.nodeName, 'cancel_consumer', queue],
    {
      cwd: INTEROP_DIR,
      env: celeryEnv(options.brokerUrl, options.backendUrl),
      timeout: 30_000,
    },
  );
  return `${stdout}${stderr}`;
}
