import type { RetryPolicy, TaskDefaults } from '@burrow/contracts';
import { MAX_DELAY_SECONDS } from '../broker';
import { classifyError } from '../errors';
import type { Logger } from '../logging';
import { startedMeta, type RedisResultStore } from '../results';
import { effectiveRetryPolicy, retryDelaySeconds } from './backoff';
import { ContinueLater } from './continue-later';
import { deadOutcome, exceptionInfo, type DecodedAttempt, type Outcome } from './outcome';
import { retryRedis } from './redis-budget';
import { AttemptAbort, runWithTimeLimits } from './run-handler';
import type { TaskRunContext } from './task-context';
import { runBound, type BoundHandler } from './task-registry';
import type { TaskOverrides } from './task-overrides';

/**
 * No attempt may outlive RabbitMQ's consumer_timeout (30 min by default), or the broker closes
 * the channel and every unacked delivery on it is redelivered. Per-call limits are capped here.
 */
export const MAX_HARD_TIME_LIMIT_SECONDS = 1_700;

/** A registered task's handler, bound to its services. */
export type TaskRun = BoundHandler;

export interface AttemptRunnerOptions {
  readonly results: RedisResultStore;
  readonly logger: Logger;
  readonly workerName: string;
  /** Aborts running handlers when shutdown outlives its grace period. */
  readonly shutdownSignal: AbortSignal;
  /** Store STARTED before running (Celery task_track_started). */
  readonly trackStarted: boolean;
  /** Continuations a task may make; one more is dead-lettered. */
  readonly maxContinuations: number;
  readonly redisBudgetMs: number;
  readonly storeProgress: (
    ctx: { taskId: string; name: string; queue: string; retries: number },
    progress: Record<string, unknown>,
  ) => Promise<void>;
  /** Rate and time limits set by remote control; they replace the task's defaults. */
  readonly overrides?: TaskOverrides;
}

/** Runs one begun attempt under its time limits and turns whatever it does into an outcome. */
export class AttemptRunner {
  /** What shutdown aborts once its grace is over: one listener for all running attempts. */
  private readonly running = new Set<AttemptAbort>();

  constructor(private readonly options: AttemptRunnerOptions) {
    const { shutdownSignal } = options;
    shutdownSignal.addEventListener(
      'abort',
      () => {
        for (const abort of this.running) abort.abort(shutdownSignal.reason);
      },
      { once: true },
    );
  }

  async run(
    run: TaskRun,
    defaults: TaskDefaults,
    attempt: DecodedAttempt,
    kwargs: Record<string, unknown>,
    started?: (abort: AttemptAbort) => void,
  ): Promise<Outcome> {
    const { message } = attempt;
    const policy = effectiveRetryPolicy(defaults.retry, message.retryPolicy);
    const [hard, soft] = message.timelimit;
    const changed = this.options.overrides?.timeLimit(message.task);
    const hardSeconds = Math.min(
      hard ?? changed?.hard ?? defaults.hardTimeLimitSeconds,
      MAX_HARD_TIME_LIMIT_SECONDS,
    );
    const softSeconds = Math.min(
      soft ?? changed?.soft ?? defaults.softTimeLimitSeconds,
      hardSeconds,
    );
    const logger = this.options.logger.child({
      taskId: message.id,
      task: message.task,
      attempt: message.retries + 1,
    });
    logger.debug('task started');
    if (this.options.trackStarted) await this.storeStarted(attempt, logger);
    const progressContext = {
      taskId: message.id,
      name: message.task,
      queue: attempt.queue,
      retries: message.retries,
    };
    const abort = new AttemptAbort();
    const { shutdownSignal } = this.options;
    if (shutdownSignal.aborted) abort.abort(shutdownSignal.reason);
    this.running.add(abort);
    started?.(abort);
    try {
      const result = await runWithTimeLimits(
        () => {
          const ctx: TaskRunContext = {
            taskId: message.id,
            taskName: message.task,
            queue: attempt.queue,
            retries: message.retries,
            maxRetries: policy.maxRetries,
            replayed: message.replayed,
            get signal() {
              return abort.signal;
            },
            logger,
            reportProgress: (progress) =>
              this.options.storeProgress(progressContext, { ...progress }),
          };
          return runBound(run, kwargs, ctx);
        },
        { softSeconds, hardSeconds },
        abort,
      );
      // Terminated while its result was on the way: the revoke was answered, so it stands.
      if (abort.terminated) throw abort.signal.reason;
      return { kind: 'success', result };
    } catch (err) {
      if (abort.terminated) {
        logger.warn('task terminated by a revoke');
        return { kind: 'revoked', reason: 'terminated', terminated: true };
      }
      return outcomeOfThrow(err, {
        retries: message.retries,
        continuations: message.continuations,
        policy,
        maxContinuations: this.options.maxContinuations,
      });
    } finally {
      this.running.delete(abort);
    }
  }

  /** STARTED is for display only: when Redis will not take it, the task runs all the same. */
  private async storeStarted(attempt: DecodedAttempt, logger: Logger): Promise<void> {
    const meta = startedMeta(
      {
        taskId: attempt.taskId,
        name: attempt.taskName,
        worker: this.options.workerName,
        retries: attempt.message.retries,
        queue: attempt.queue,
      },
      process.pid,
    );
    try {
      await retryRedis(() => this.options.results.store(meta), {
        deadline: Date.now() + this.options.redisBudgetMs,
        boundWaiting: false,
        isStopping: () => this.options.shutdownSignal.aborted,
        logger,
        what: 'store STARTED',
      });
    } catch (err) {
      logger.warn('could not store STARTED; running the task anyway', {
        error: (err as Error).message,
      });
    }
  }
}

/** Where an attempt stands when its handler throws. */
export interface ThrowContext {
  readonly retries: number;
  readonly continuations: number;
  readonly policy: RetryPolicy;
  readonly maxContinuations: number;
}

/**
 * What a handler's throw means: continue later, retry, or give up. Pure, so every branch is
 * unit-tested. Delays are capped at the delay levels' reach: a provider's Retry-After of a year
 * must not become a publish that can never succeed.
 */
export function outcomeOfThrow(err: unknown, at: ThrowContext): Outcome {
  if (err instanceof ContinueLater) {
    if (at.continuations >= at.maxContinuations) {
      return deadOutcome(
        `asked to continue later once more after ${at.continuations} continuations (at most ${at.maxContinuations}): ${err.message}`,
        'too_many_continuations',
      );
    }
    return {
      kind: 'continue',
      reason: err.message,
      delaySeconds: wholeDelay(err.afterSeconds, 0),
      progress: err.progress,
    };
  }
  const info = exceptionInfo(err);
  const { retryable, code, retryAfterSeconds } = classifyError(err);
  if (!retryable)
    return { kind: 'dead', error: info, reason: `permanent error: ${info.message}`, code };
  if (at.retries >= at.policy.maxRetries) {
    return {
      kind: 'dead',
      error: info,
      reason: `gave up after ${at.retries + 1} attempts: ${info.message}`,
      code,
    };
  }
  const delaySeconds =
    retryAfterSeconds !== null
      ? wholeDelay(retryAfterSeconds, 1)
      : Math.min(retryDelaySeconds(at.policy, at.retries), MAX_DELAY_SECONDS);
  return { kind: 'retry', error: info, delaySeconds, code };
}

/** Whole seconds in [min, MAX_DELAY_SECONDS]; anything not a number becomes `min`. */
function wholeDelay(seconds: number, min: number): number {
  if (!Number.isFinite(seconds)) return seconds === Infinity ? MAX_DELAY_SECONDS : min;
  return Math.min(MAX_DELAY_SECONDS, Math.max(min, Math.ceil(seconds)));
}
