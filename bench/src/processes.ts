import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * The measured consumers as real processes, started the way production starts them: a
 * `burrow-worker` with its production defaults (log level info to a pipe, metrics on, results
 * stored) serving the bench's task module, and a Celery 5 prefork worker serving the same task
 * names from bench/celery/bench_tasks.py.
 */

const REPO = path.join(__dirname, '..', '..');
const WORKER = path.join(REPO, 'workers', 'dist', 'cli', 'worker-cli.js');
const BENCH_TASKS = path.join(REPO, 'bench', 'tasks', 'bench-tasks.js');
const CELERY_APP_DIR = path.join(REPO, 'bench', 'celery');
/** Debian's interpreter, which has python3-celery; the first python3 on PATH may not. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

export interface ConsumerProcess {
  readonly label: string;
  readonly pid: number;
  /** Resolves once the process says it consumes. */
  readonly ready: Promise<void>;
  /** Resident memory of the process and its children (Celery's pool), in MB. */
  rssMb(): number;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** What it printed lately (for errors). */
  tail(): string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function rssKb(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
  } catch {
    return 0; // gone
  }
}

/** Child pids of `pid`, read from /proc (Celery's prefork pool). */
function childPids(pid: number): number[] {
  try {
    const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return children ? children.split(/\s+/).map(Number) : [];
  } catch {
    return [];
  }
}

function supervise(label: string, child: ChildProcess, readyLine: RegExp): ConsumerProcess {
  // Output is read and dropped, as a log shipper would: the info line per task is paid for,
  // but not kept in the bench's memory. Only the last few KB stay for error messages.
  let recent = '';
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exit.then(() => (exited = true));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${label} not ready in 60 s:\n${recent}`)),
      60_000,
    );
    const onData = (chunk: Buffer) => {
      recent = (recent + chunk.toString()).slice(-4_000);
      if (readyLine.test(recent)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exit.then(() => {
      clearTimeout(timer);
      reject(new Error(`${label} exited with ${child.exitCode}:\n${recent}`));
    });
  });
  ready.catch(() => undefined);
  return {
    label,
    pid: child.pid!,
    ready,
    rssMb: () => {
      const pids = [child.pid!, ...childPids(child.pid!)];
      return pids.reduce((sum, pid) => sum + rssKb(pid), 0) / 1024;
    },
    stop: async (graceMs = 15_000) => {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
    },
    tail: () => recent,
  };
}

export interface BurrowWorkerOptions {
  readonly amqpUrl: string;
  readonly redisUrl: string;
  readonly queue: string;
  readonly keyPrefix: string;
  readonly concurrency: number;
  readonly prefetch: number;
  /** Extra environment (e.g. WORKER_SEND_TASK_EVENTS). */
  readonly env?: Record<string, string>;
}

/**
 * Node flags for the worker under test, from BENCH_WORKER_NODE_ARGS (space-separated), e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it: NODE_OPTIONS refuses --cpu-prof.
 */
function workerNodeArgs(): string[] {
  return process.env.BENCH_WORKER_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [];
}

/** A real burrow-worker on `queue` serving bench.noop and bench.stamp; metrics on `metricsPort`. */
export async function startBurrowWorker(
  options: BurrowWorkerOptions,
): Promise<ConsumerProcess & { readonly metricsPort: number }> {
  const metricsPort = await freePort();
  const child = spawn(
    process.execPath,
    [
      ...workerNodeArgs(),
      WORKER,
      '--queues',
      options.queue,
      '--concurrency',
      String(options.concurrency),
      '--prefetch',
      String(options.prefetch),
    ],
    {
      env: {
        ...process.env,
        RABBITMQ_URL: options.amqpUrl,
        REDIS_URL: options.redisUrl,
        REDIS_KEY_PREFIX: options.keyPrefix,
        BENCH_QUEUE: options.queue,
        WORKER_TASK_MODULES: BENCH_TASKS,
        WORKER_HTTP_PORT: String(metricsPort),
        WORKER_NAME: `bench-${randomBytes(3).toString('hex')}@bench`,
        LOG_LEVEL: 'info',
        LOG_DIR: '',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return { ...supervise('burrow-worker', child, /worker ready/), metricsPort };
}

const MINIMAL_CONSUMER = path.join(__dirname, 'minimal-consumer.js');

/** The minimal amqplib + Redis loop as a process of its own (the latency bench's reference). */
export function startMinimalConsumer(options: {
  readonly amqpUrl: string;
  readonly redisUrl: string;
  readonly queue: string;
  readonly keyPrefix: string;
  readonly prefetch: number;
}): ConsumerProcess {
  const child = spawn(process.execPath, [MINIMAL_CONSUMER], {
    env: {
      ...process.env,
      RABBITMQ_URL: options.amqpUrl,
      REDIS_URL: options.redisUrl,
      REDIS_KEY_PREFIX: options.keyPrefix,
      BENCH_QUEUE: options.queue,
      BENCH_PREFETCH: String(options.prefetch),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return supervise('minimal consumer', child, /minimal consumer ready/);
}

export interface CeleryWorkerOptions {
  readonly amqpUrl: string;
  /** A Redis URL with a database of the bench's own: Celery's keys have no prefix. */
  readonly backendUrl: string;
  readonly queue: string;
  readonly concurrency: number;
}

/** A Celery 5 prefork worker on `queue` (Debian's python3-celery). */
export function startCeleryWorker(options: CeleryWorkerOptions): ConsumerProcess {
  const child = spawn(
    SYSTEM_PYTHON,
    [
      '-m',
      'celery',
      '-A',
      'bench_tasks',
      'worker',
      '-Q',
      options.queue,
      '-c',
      String(options.concurrency),
      '-P',
      'prefork',
      '-l',
      'INFO',
      '--without-gossip',
      '--without-mingle',
      '--without-heartbeat',
      '-n',
      `bench-${randomBytes(3).toString('hex')}@bench`,
    ],
    {
      cwd: CELERY_APP_DIR,
      env: {
        ...process.env,
        BENCH_QUEUE: options.queue,
        BENCH_BROKER_URL: options.amqpUrl,
        BENCH_BACKEND_URL: options.backendUrl,
        PYTHONDONTWRITEBYTECODE: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return supervise(`celery prefork -c ${options.concurrency}`, child, /ready\./);
}

/** Whether Debian's Celery is installed (the local stack installs it). */
export function celeryAvailable(): boolean {
  return fs.existsSync('/usr/lib/python3/dist-packages/celery');
}

/** Successful tasks a burrow worker has settled, from its /metrics. */
export async function burrowSuccesses(metricsPort: number): Promise<number> {
  return (await burrowMetrics(metricsPort)).successes;
}

/** From a burrow worker's /metrics: tasks settled as success, and its live V8 heap in MB. */
export async function burrowMetrics(
  metricsPort: number,
): Promise<{ successes: number; heapUsedMb: number }> {
  const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  const text = await response.text();
  let successes = 0;
  let heapUsedMb = NaN;
  for (const line of text.split('\n')) {
    const value = () => Number(line.slice(line.lastIndexOf(' ') + 1));
    if (line.startsWith('burrow_tasks_total{') && line.includes('outcome="success"'))
      successes += value();
    else if (line.startsWith('burrow_nodejs_heap_size_used_bytes')) heapUsedMb = value() / 2 ** 20;
  }
  return { successes, heapUsedMb };
}
