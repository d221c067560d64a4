import {
  decodeTaskMessage,
  parseCeleryTime,
  type TaskDefaults,
  type TaskMessage,
} from '@burrow/contracts';
import type { ConsumeMessage } from 'amqplib';
import { classifyError } from '../errors';
import type { Logger } from '../logging';
import { startedMeta, type RedisResultStore } from '../results';
import { effectiveRetryPolicy, retryDelaySeconds } from './backoff';
import { exceptionInfo, type Attempt, type Outcome } from './outcome';
import { runWithTimeLimits } from './run-handler';
import type { TaskRunContext } from './task-context';
import type { RegisteredTask, TaskRegistry } from './task-registry';

export interface DeciderOptions {
  readonly registry: TaskRegistry;
  readonly results: RedisResultStore;
  readonly logger: Logger;
  readonly workerName: string;
  /** Executions begun without an outcome after which a task is dead-lettered as a crash loop. */
  readonly maxDeliveries: number;
  /** Aborts running handlers when shutdown outlives its grace period. */
  readonly shutdownSignal: AbortSignal;
  /** Runs `run` with no other task beside it in this worker. */
  readonly isolate: <T>(run: () => Promise<T>) => Promise<T>;
  /** Store STARTED before running (Celery task_track_started). */
  readonly trackStarted?: boolean;
  readonly storeProgress: (
    ctx: { taskId: string; name: string; queue: string; retries: number },
    progress: Record<string, unknown>,
  ) => Promise<void>;
  readonly now?: () => number;
}

/**
 * No attempt may outlive RabbitMQ's consumer_timeout (30 min by default), or the broker closes
 * the channel and every unacked delivery on it is redelivered. Per-call limits are capped here.
 */
export const MAX_HARD_TIME_LIMIT_SECONDS = 1_700;

/** An eta this close is run now rather than sent round the delay levels again. */
const ETA_TOLERANCE_MS = 500;

/**
 * Works out what should happen to one delivery, running the handler when it should run.
 * Never throws: every failure becomes an outcome for `settle`.
 */
export class Decider {
  constructor(private readonly options: DeciderOptions) {}

  async decide(
    queue: string,
    delivery: ConsumeMessage,
  ): Promise<{ attempt: Attempt; outcome: Outcome }> {
    const now = this.options.now ?? Date.now;
    const startedAt = now();
    const decoded = decodeTaskMessage(delivery);
    if (!decoded.ok) {
      const { error } = decoded;
      const attempt: Attempt = {
        queue,
        message: null,
        taskId: error.taskId,
        taskName: error.task,
        kwargs: null,
        maxRetries: 0,
        startedAt,
      };
      return { attempt, outcome: deadOutcome(error.reason, error.code, 'ValueError') };
    }
    const message = decoded.message;
    const registered = this.options.registry.get(message.task);
    const attempt: Attempt = {
      queue,
      message,
      taskId: message.id,
      taskName: message.task,
      kwargs: null,
      maxRetries: registered
        ? effectiveRetryPolicy(registered.contract.defaults.retry, message.retryPolicy).maxRetries
        : 0,
      startedAt,
    };
    if (!registered) {
      return {
        attempt,
        outcome: deadOutcome(
          `task ${message.task} is not registered on queue ${queue}`,
          'unknown_task',
          'NotRegistered',
          'celery.exceptions',
        ),
      };
    }
    if (message.eta) {
      const wait = parseCeleryTime(message.eta)!.getTime() - now();
      if (wait > ETA_TOLERANCE_MS)
        return { attempt, outcome: { kind: 'defer', delaySeconds: Math.ceil(wait / 1000) } };
    }
    const prepared = registered.compiled.prepare(message.args, message.kwargs);
    const withKwargs: Attempt = { ...attempt, kwargs: prepared.kwargs };
    if (!prepared.ok) {
      const { reason, code, excType } = prepared.error;
      return { attempt: withKwargs, outcome: deadOutcome(reason, code, excType) };
    }
    const kwargs = prepared.kwargs as Record<string, unknown>;
    if (!registered.run) {
      return {
        attempt: withKwargs,
        outcome: deadOutcome(
          `task ${message.task} has no handler in this version of burrow`,
          'not_implemented',
          'NotImplementedError',
        ),
      };
    }
    // One Redis call: already completed? and how many executions began without an outcome.
    // Counted only for executions actually begun, so messages merely prefetched by a worker
    // that died are not blamed for what another message did to it.
    const starts = await this.options.results.beginAttempt(message.id);
    if (starts === null) return { attempt: withKwargs, outcome: { kind: 'duplicate' } };
    if (message.expires && parseCeleryTime(message.expires)!.getTime() <= now()) {
      return {
        attempt: withKwargs,
        outcome: { kind: 'revoked', reason: `expired at ${message.expires}` },
      };
    }
    const run = () => this.run(registered, message, withKwargs, kwargs);
    if (starts === 1) return { attempt: withKwargs, outcome: await run() };
    // It was running when a worker died. Run it alone, so that if it is the culprit it is the
    // only one blamed, and tasks that merely ran beside it complete. Waiting for that is not
    // running: the count goes back until the task really starts.
    await this.options.results.abandonAttempt(message.id);
    const outcome = await this.options.isolate(async (): Promise<Outcome> => {
      const again = await this.options.results.beginAttempt(message.id);
      if (again === null) return { kind: 'duplicate' };
      if (again > this.options.maxDeliveries) {
        return deadOutcome(
          `started ${again} times without reaching an outcome; it keeps killing the worker that runs it`,
          'crash_loop',
          'WorkerLostError',
          'billiard.exceptions',
        );
      }
      this.options.logger.warn('task was running when a worker died; running it alone', {
        taskId: message.id,
        task: message.task,
        starts: again,
      });
      return run();
    });
    return { attempt: withKwargs, outcome };
  }

  private async run(
    registered: RegisteredTask,
    message: TaskMessage,
    attempt: Attempt,
    kwargs: Record<string, unknown>,
  ): Promise<Outcome> {
    const defaults: TaskDefaults = registered.contract.defaults;
    const run = registered.run;
    if (!run) throw new Error(`task ${message.task} has no handler`);
    const policy = effectiveRetryPolicy(defaults.retry, message.retryPolicy);
    const [hard, soft] = message.timelimit;
    const hardSeconds = Math.min(
      hard ?? defaults.hardTimeLimitSeconds,
      MAX_HARD_TIME_LIMIT_SECONDS,
    );
    const softSeconds = Math.min(soft ?? defaults.softTimeLimitSeconds, hardSeconds);
    const logger = this.options.logger.child({
      taskId: message.id,
      task: message.task,
      attempt: message.retries + 1,
    });
    logger.debug('task started');
    if (this.options.trackStarted) {
      await this.options.results.store(
        startedMeta(
          {
            taskId: message.id,
            name: message.task,
            worker: this.options.workerName,
            retries: message.retries,
            queue: attempt.queue,
          },
          process.pid,
        ),
      );
    }
    try {
      const result = await runWithTimeLimits(
        (signal) => {
          const ctx: TaskRunContext = {
            taskId: message.id,
            taskName: message.task,
            queue: attempt.queue,
            retries: message.retries,
            maxRetries: policy.maxRetries,
            signal,
            logger,
            reportProgress: (progress) =>
              this.options.storeProgress(
                {
                  taskId: message.id,
                  name: message.task,
                  queue: attempt.queue,
                  retries: message.retries,
                },
                { ...progress },
              ),
          };
          return run(kwargs, ctx);
        },
        { softSeconds, hardSeconds },
        this.options.shutdownSignal,
      );
      return { kind: 'success', result };
    } catch (err) {
      const info = exceptionInfo(err);
      const { retryable, code, retryAfterSeconds } = classifyError(err);
      if (!retryable)
        return { kind: 'dead', error: info, reason: `permanent error: ${info.message}`, code };
      if (message.retries >= policy.maxRetries) {
        return {
          kind: 'dead',
          error: info,
          reason: `gave up after ${message.retries + 1} attempts: ${info.message}`,
          code,
        };
      }
      const delaySeconds =
        retryAfterSeconds !== null
          ? Math.max(1, Math.ceil(retryAfterSeconds))
          : retryDelaySeconds(policy, message.retries);
      return { kind: 'retry', error: info, delaySeconds, code };
    }
  }
}

function deadOutcome(
  reason: string,
  code: string,
  excType: string,
  excModule = 'builtins',
): Outcome {
  return {
    kind: 'dead',
    reason,
    code,
    error: { type: excType, module: excModule, message: reason },
  };
}
