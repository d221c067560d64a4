import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { AMQP_URL, REDIS_URL, REPO_ROOT } from './stack';

export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Everything the process printed so far. */
  output(): string;
  /** Resolves with the first output line matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): void;
}

/** Starts a built burrow binary (`workers/dist/cli/worker-cli.js` by default) as a real process. */
export function spawnBurrow(
  env: Record<string, string>,
  args: string[] = [],
  script = 'workers/dist/cli/worker-cli.js',
): WorkerProcess {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, script), ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      RABBITMQ_URL: AMQP_URL,
      REDIS_URL,
      LOG_DIR: '',
      LOG_FORMAT: 'json',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return {
    child,
    output: () => text,
    exited,
    kill: (signal = 'SIGTERM') => void child.kill(signal),
    waitForLine: (pattern, timeoutMs = 30_000) =>
      new Promise<string>((resolve, reject) => {
        const check = () => {
          const line = text.split('\n').find((l) => pattern.test(l));
          if (line !== undefined) {
            cleanup();
            resolve(line);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `no line matching ${pattern} within ${timeoutMs}ms; output:\n${text.slice(-3000)}`,
            ),
          );
        }, timeoutMs);
        timer.unref();
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        void exited.then(() => setTimeout(check, 10));
        check();
      }),
  };
}

/** Runs the `burrow` operations CLI to completion. */
export function runBurrowCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [path.join(REPO_ROOT, 'workers/dist/cli/burrow-cli.js'), ...args],
      {
        env: {
          PATH: process.env.PATH ?? '',
          RABBITMQ_URL: AMQP_URL,
          REDIS_URL,
          LOG_DIR: '',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
