import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  CATALOGUE,
  compileContract,
  type CompiledContract,
  sendEmailTask,
  sendPushNotificationTask,
  processUserDataTask,
  type KwargsOf,
  type RetryOverride,
  type RetryPolicy,
  type TaskContract,
} from '@burrow/contracts';
import { MAX_DELAY_SECONDS, type Publisher } from '../broker';
import { PermanentError } from '../errors';
import {
  TERMINAL_STATES,
  type RedisResultStore,
  type ResultMeta,
  type TaskState,
} from '../results';

export interface SendOptions {
  /** Required for tasks outside the catalogue. */
  readonly queue?: string;
  /** Run no sooner than this many seconds from now. */
  readonly countdown?: number;
  /** Run no sooner than this time. */
  readonly eta?: Date;
  /** Seconds from now, or a time, after which the task is revoked instead of run. */
  readonly expires?: number | Date;
  readonly taskId?: string;
  /** [hard, soft] seconds, overriding the task's defaults. */
  readonly timeLimit?: number;
  readonly softTimeLimit?: number;
  readonly ignoreResult?: boolean;
  /** Overrides the task's retry policy for this call (sent as the `retry_policy` header). */
  readonly retry?: Partial<RetryPolicy>;
}

export interface TaskClientOptions {
  readonly publisher: Publisher;
  readonly results: RedisResultStore;
  /** A Redis connection the client may put into subscriber mode, for `wait`. */
  readonly subscriber: Redis;
  /** Contracts beyond the catalogue that this client may send. */
  readonly extraContracts?: readonly TaskContract[];
  /** Name in `origin` headers. @default 'burrow-client' */
  readonly origin?: string;
}

export class TaskFailedError extends Error {
  constructor(readonly meta: ResultMeta) {
    const exc = meta.result as { exc_type?: string; exc_message?: unknown[] } | null;
    super(
      `task ${meta.task_id} ${meta.status}: ${exc?.exc_type ?? 'Error'}: ${String(exc?.exc_message?.[0] ?? '')}`,
    );
  }
}

/**
 * Sends tasks and reads their results from TypeScript, speaking the same wire format as a
 * Celery client. Kwargs of catalogue tasks are validated before anything is published.
 */
export class TaskClient {
  private readonly contracts: ReadonlyMap<string, CompiledContract>;

  private readonly waiters = new Map<string, Set<(meta: ResultMeta) => void>>();
  private listening = false;

  constructor(private readonly options: TaskClientOptions) {
    this.contracts = new Map(
      [...CATALOGUE, ...(options.extraContracts ?? [])].map((c) => [c.name, compileContract(c)]),
    );
  }

  /** Publishes a task and returns its id once the broker has confirmed it. */
  async send(
    name: string,
    argsOrKwargs: readonly unknown[] | Readonly<Record<string, unknown>> = {},
    options: SendOptions = {},
  ): Promise<string> {
    const known = this.contracts.get(name);
    const queue = options.queue ?? known?.contract.queue;
    if (!queue)
      throw new PermanentError(
        `unknown task ${name}: pass options.queue to send a task outside the catalogue`,
        'unknown_task',
      );
    const args = Array.isArray(argsOrKwargs) ? argsOrKwargs : [];
    const kwargs = Array.isArray(argsOrKwargs) ? {} : (argsOrKwargs as Record<string, unknown>);
    if (known) {
      // Checked as the worker will check it; sent as given, so the worker applies the defaults
      // of its own version of the contract.
      const prepared = known.prepare(args, kwargs);
      if (!prepared.ok) {
        const { reason, code, excType } = prepared.error;
        throw new PermanentError(reason, code, { excType });
      }
    }
    const now = Date.now();
    const etaMs = options.eta
      ? options.eta.getTime()
      : options.countdown
        ? now + options.countdown * 1000
        : null;
    const delaySeconds = etaMs === null ? 0 : Math.max(0, Math.ceil((etaMs - now) / 1000));
    if (delaySeconds > MAX_DELAY_SECONDS)
      throw new PermanentError(
        `eta is ${delaySeconds}s away; the longest delay is ${MAX_DELAY_SECONDS}s`,
        'eta_too_far',
      );
    const expires =
      options.expires === undefined
        ? null
        : options.expires instanceof Date
          ? options.expires
          : new Date(now + options.expires * 1000);
    const id = options.taskId ?? randomUUID();
    await this.options.publisher.publishTask(
      queue,
      {
        id,
        task: name,
        args,
        kwargs,
        eta: etaMs === null ? null : new Date(etaMs).toISOString(),
        expires: expires?.toISOString() ?? null,
        timelimit: [options.timeLimit ?? null, options.softTimeLimit ?? null],
        origin: this.options.origin ?? 'burrow-client',
        ignoreResult: options.ignoreResult ?? false,
        retryPolicy: options.retry ? retryOverride(options.retry) : null,
      },
      delaySeconds,
    );
    return id;
  }

  /** Current state; PENDING when nothing is stored yet (Celery's convention). */
  async status(taskId: string): Promise<TaskState> {
    return (await this.options.results.get(taskId))?.status ?? 'PENDING';
  }

  /** The stored meta, or null while PENDING. */
  async result(taskId: string): Promise<ResultMeta | null> {
    return this.options.results.get(taskId);
  }

  /**
   * Waits for a final state and returns the task's result; throws TaskFailedError on FAILURE or
   * REVOKED, and an Error after `timeoutMs`. Listens on the result's channel like Celery does.
   */
  async wait<T = unknown>(taskId: string, timeoutMs = 30_000): Promise<T> {
    const { results } = this.options;
    const channel = results.resultKey(taskId);
    let onFinal: ((meta: ResultMeta) => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      const published = new Promise<ResultMeta>((resolve) => (onFinal = resolve));
      await this.listen(channel, onFinal!);
      // Subscribed first, then read: a result stored in between is not missed.
      const stored = await results.get(taskId);
      const meta =
        stored && TERMINAL_STATES.has(stored.status)
          ? stored
          : await Promise.race([
              published,
              new Promise<never>((_r, reject) => {
                timer = setTimeout(
                  () => reject(new Error(`task ${taskId} did not finish within ${timeoutMs}ms`)),
                  timeoutMs,
                );
              }),
            ]);
      if (meta.status !== 'SUCCESS') throw new TaskFailedError(meta);
      return meta.result as T;
    } finally {
      clearTimeout(timer);
      await this.unlisten(channel, onFinal!);
    }
  }

  /** One 'message' listener for all waits; a channel stays subscribed while anyone waits on it. */
  private async listen(channel: string, onFinal: (meta: ResultMeta) => void): Promise<void> {
    if (!this.listening) {
      this.listening = true;
      this.options.subscriber.on('message', (ch: string, json: string) => {
        const waiting = this.waiters.get(ch);
        if (!waiting) return;
        const meta = JSON.parse(json) as ResultMeta;
        if (TERMINAL_STATES.has(meta.status)) for (const resolve of waiting) resolve(meta);
      });
    }
    const waiting = this.waiters.get(channel);
    if (waiting) {
      waiting.add(onFinal);
      return;
    }
    this.waiters.set(channel, new Set([onFinal]));
    await this.options.subscriber.subscribe(channel);
  }

  private async unlisten(channel: string, onFinal: (meta: ResultMeta) => void): Promise<void> {
    const waiting = this.waiters.get(channel);
    waiting?.delete(onFinal);
    if (waiting && waiting.size === 0) {
      this.waiters.delete(channel);
      await this.options.subscriber.unsubscribe(channel).catch(() => undefined);
    }
  }

  sendEmail(kwargs: KwargsOf<typeof sendEmailTask>, options?: SendOptions): Promise<string> {
    return this.send(sendEmailTask.name, kwargs, options);
  }

  sendPushNotification(
    kwargs: KwargsOf<typeof sendPushNotificationTask>,
    options?: SendOptions,
  ): Promise<string> {
    return this.send(sendPushNotificationTask.name, kwargs, options);
  }

  processUserData(
    kwargs: KwargsOf<typeof processUserDataTask>,
    options?: SendOptions,
  ): Promise<string> {
    return this.send(processUserDataTask.name, kwargs, options);
  }
}

function retryOverride(retry: Partial<RetryPolicy>): RetryOverride {
  return {
    ...(retry.maxRetries !== undefined ? { max_retries: retry.maxRetries } : {}),
    ...(retry.backoffSeconds !== undefined ? { backoff: retry.backoffSeconds } : {}),
    ...(retry.backoffMaxSeconds !== undefined ? { backoff_max: retry.backoffMaxSeconds } : {}),
    ...(retry.jitter !== undefined ? { jitter: retry.jitter } : {}),
  };
}
