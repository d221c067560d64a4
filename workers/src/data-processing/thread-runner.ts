import path from 'node:path';
import type { TransferListItem } from 'node:worker_threads';
import { Piscina } from 'piscina';

export interface ThreadRunnerOptions {
  /** Compiled module whose named exports are the jobs. @default thread-jobs.js beside this file */
  readonly filename?: string;
  /** Threads at most; jobs beyond wait in the pool's queue. @default 2 */
  readonly threads?: number;
  /** An idle thread exits after this long (a new one starts on demand). @default 30_000 */
  readonly idleTimeoutMs?: number;
  /**
   * Young-generation heap of each thread, in MB. V8's default lets a thread that allocates
   * fast (parsing, rendering) grow its young generation to tens of MB before collecting; jobs
   * here keep little alive, so a small one costs a little CPU and saves most of that RSS.
   * @default 8
   */
  readonly youngGenerationMb?: number;
  /**
   * Old-generation heap of each thread, in MB: a bound on what one job may keep (it fails with
   * ERR_WORKER_OUT_OF_MEMORY beyond), and an earlier full collection than V8's default.
   * @default 96
   */
  readonly oldGenerationMb?: number;
}

export interface ThreadRunOptions {
  /** The task's signal: when it aborts, the job's thread is terminated (after `graceMs`). */
  readonly signal: AbortSignal;
  /**
   * How long a job may go on after the signal aborts before its thread is terminated: the gap
   * between the task's soft and hard limits, so the thread dies at the hard limit. A revoke
   * with terminate kills it at once. @default 0
   */
  readonly graceMs?: number;
  /** Moved to the thread rather than copied, e.g. a MessagePort the job talks back on. */
  readonly transferList?: readonly TransferListItem[];
}

/** The module of the family's own jobs, compiled (threads load JavaScript, never sources). */
export function defaultThreadModule(): string {
  const here = path.join(__dirname, 'thread-jobs.js');
  // Under ts-jest/swc this file runs from src/, where only the compiled twin in dist/ loads.
  return __filename.endsWith('.ts')
    ? here.replace(`${path.sep}src${path.sep}`, `${path.sep}dist${path.sep}`)
    : here;
}

/**
 * Runs CPU-heavy jobs (import parsing and validation, report rendering) in worker threads, so the event loop
 * keeps acking, heartbeating and running other tasks. A job whose task is aborted is stopped
 * by terminating its thread (piscina terminates the thread of an aborted running job and
 * starts a fresh one): a runaway loop really ends, which a promise given up by the engine's
 * hard limit alone never does.
 */
export class ThreadRunner {
  private readonly pool: Piscina;

  constructor(options: ThreadRunnerOptions = {}) {
    const threads = Math.max(1, options.threads ?? 2);
    this.pool = new Piscina({
      filename: options.filename ?? defaultThreadModule(),
      minThreads: 0,
      maxThreads: threads,
      idleTimeout: options.idleTimeoutMs ?? 30_000,
      resourceLimits: {
        maxYoungGenerationSizeMb: options.youngGenerationMb ?? 8,
        maxOldGenerationSizeMb: options.oldGenerationMb ?? 96,
      },
    });
  }

  /** Runs the job exported as `name` with `input`; rejects with the signal's reason if stopped. */
  async run<T>(name: string, input: unknown, options: ThreadRunOptions): Promise<T> {
    const { signal } = options;
    signal.throwIfAborted();
    const stop = new AbortController();
    let grace: NodeJS.Timeout | undefined;
    const onAbort = () => {
      const terminated = (signal.reason as { code?: unknown } | undefined)?.code === 'terminated';
      const graceMs = terminated ? 0 : (options.graceMs ?? 0);
      if (graceMs <= 0) stop.abort(signal.reason);
      else grace = setTimeout(() => stop.abort(signal.reason), graceMs);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return (await this.pool.run(input, {
        name,
        signal: stop.signal,
        ...(options.transferList ? { transferList: [...options.transferList] } : {}),
      })) as T;
    } catch (err) {
      if (stop.signal.aborted) throw signal.reason as Error;
      throw err;
    } finally {
      clearTimeout(grace);
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Terminates every thread; pending jobs reject. */
  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
