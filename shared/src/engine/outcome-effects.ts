import type { Logger } from '../logging';
import { deadQueueName } from '../broker';
import type { CanvasRun, FinishedState } from '../canvas';
import {
  ResultEncodeError,
  failureMeta,
  progressMeta,
  retryMeta,
  revokedMeta,
  successMeta,
  type ResultContext,
  type ResultMeta,
  type StoreOptions,
} from '../results';
import {
  exceptionInfo,
  type Attempt,
  type DeadOutcome,
  type DecodedAttempt,
  type DuplicateOutcome,
  type Outcome,
  type UndecodedAttempt,
} from './outcome';
import { retryRedis } from './redis-budget';
import type { Delivery, SettlerOptions } from './delivery';

/** Bodies larger than this keep their arguments out of the stored result. */
const MAX_ARGUMENT_BYTES_IN_RESULT = 64 * 1024;

/**
 * The effects of one settle, in the order that keeps at-least-once: whatever makes the outcome
 * durable is confirmed before `settle` decides to ack. Every Redis write shares one budget.
 */
export class Effects {
  constructor(
    private readonly options: SettlerOptions,
    private readonly delivery: Delivery,
    private readonly log: Logger,
    private readonly deadline: number,
  ) {}

  /** Carries out the outcome; returns the one carried out (a result JSON cannot hold fails). */
  async apply(attempt: DecodedAttempt, outcome: Outcome): Promise<Outcome> {
    switch (outcome.kind) {
      case 'success':
        return this.succeed(attempt, outcome.result);
      case 'retry':
        await this.retry(attempt, outcome);
        return outcome;
      case 'continue':
        await this.continueLater(attempt, outcome);
        return outcome;
      case 'defer':
        await this.options.publisher.publishTask(
          this.delivery.queue,
          attempt.message,
          outcome.delaySeconds,
        );
        this.log.info('task scheduled for later', {
          eta: attempt.message.eta,
          inSeconds: outcome.delaySeconds,
        });
        return outcome;
      case 'dead':
        return this.bury(attempt, outcome);
      case 'revoked': {
        const error = {
          type: 'TaskRevokedError',
          module: 'celery.exceptions',
          message: outcome.reason,
        };
        await this.settleWithFollowUps(attempt, { state: 'REVOKED', error }, () =>
          this.persist(revokedMeta(this.resultContext(attempt), outcome.reason), {
            final: true,
            storeResult: storesResult(attempt),
          }),
        );
        this.log.warn('task revoked, not run', { reason: outcome.reason });
        return outcome;
      }
      case 'duplicate':
        this.log.info('task already completed by an earlier delivery; skipped');
        if (this.hasFollowUps(attempt))
          await this.options.canvas!.resume(attempt.message, this.delivery.queue, this.canvasRun);
        return outcome;
    }
  }

  private async succeed(attempt: DecodedAttempt, result: unknown): Promise<Outcome> {
    const meta = successMeta(this.resultContext(attempt), result);
    try {
      await this.settleWithFollowUps(attempt, { state: 'SUCCESS', result }, () =>
        this.persist(meta, { final: true, storeResult: storesResult(attempt) }),
      );
    } catch (err) {
      // Storing it can never work. The handler's side effects are done, but no caller will see
      // a result, so it fails as Celery's EncodeError and goes where operators look.
      if (!(err instanceof ResultEncodeError)) throw err;
      const error = exceptionInfo(err);
      return this.bury(attempt, { kind: 'dead', reason: err.message, code: err.code, error });
    }
    this.log.info('task succeeded', { ms: Date.now() - attempt.startedAt });
    return { kind: 'success', result };
  }

  /** RETRY stored (the attempt reached an outcome), then the copy with retries + 1. */
  private async retry(
    attempt: DecodedAttempt,
    outcome: Extract<Outcome, { kind: 'retry' }>,
  ): Promise<void> {
    const { message } = attempt;
    const meta = retryMeta(this.resultContext(attempt), outcome.error);
    await this.persist(meta, { storeResult: storesResult(attempt), endAttempt: true });
    const retries = message.retries + 1;
    const eta = new Date(Date.now() + outcome.delaySeconds * 1000).toISOString();
    await this.options.publisher.publishTask(
      this.delivery.queue,
      { ...message, retries, eta },
      outcome.delaySeconds,
    );
    this.log.warn('task failed; retrying', {
      error: outcome.error.message,
      code: outcome.code,
      retry: retries,
      of: attempt.maxRetries,
      inSeconds: outcome.delaySeconds,
    });
  }

  /**
   * PROGRESS stored (not final; the attempt reached an outcome), then the next part with
   * retries unchanged and one more continuation: a pause spends no retry.
   */
  private async continueLater(
    attempt: DecodedAttempt,
    outcome: Extract<Outcome, { kind: 'continue' }>,
  ): Promise<void> {
    const { message } = attempt;
    await this.persistProgress(attempt, outcome.progress);
    const continuations = message.continuations + 1;
    const eta =
      outcome.delaySeconds >= 1
        ? new Date(Date.now() + outcome.delaySeconds * 1000).toISOString()
        : message.eta;
    await this.options.publisher.publishTask(
      this.delivery.queue,
      { ...message, continuations, eta },
      outcome.delaySeconds,
    );
    this.log.info('task paused; continuing later', {
      reason: outcome.reason,
      continuation: continuations,
      inSeconds: outcome.delaySeconds,
    });
  }

  /** Without a message there are two outcomes: a dead letter, or nothing left to do. */
  async applyUndecoded(
    attempt: UndecodedAttempt,
    outcome: DeadOutcome | DuplicateOutcome,
  ): Promise<Outcome> {
    if (outcome.kind === 'dead') return this.bury(attempt, outcome);
    this.log.info('already settled by an earlier delivery; skipped');
    return outcome;
  }

  /**
   * The dead letter first, then FAILURE (final): when a caller sees FAILURE the dead letter
   * exists, and a crash in between dead-letters the redelivery again rather than skipping it
   * as completed.
   */
  private async bury(attempt: Attempt, outcome: DeadOutcome): Promise<DeadOutcome> {
    const store = async () => {
      await this.deadLetter(attempt, outcome);
      const ctx = this.resultContext(attempt);
      const storeResult = storesResult(attempt);
      if (ctx) await this.persist(failureMeta(ctx, outcome.error), { final: true, storeResult });
    };
    if (attempt.kind === 'decoded') {
      await this.settleWithFollowUps(attempt, { state: 'FAILURE', error: outcome.error }, store);
    } else {
      await store();
    }
    this.log.error('task dead-lettered', {
      reason: outcome.reason,
      code: outcome.code,
      error: outcome.error.message,
      deadQueue: deadQueueName(this.delivery.queue),
    });
    return outcome;
  }

  /**
   * A final outcome with follow-ups: recorded for them first, then stored (the durable outcome),
   * then the follow-ups are sent and marked sent, all before the ack. A crash after the store
   * finds the record on redelivery (a duplicate) and sends what it holds; see canvas.ts.
   */
  private async settleWithFollowUps(
    attempt: DecodedAttempt,
    finished: FinishedState,
    store: () => Promise<void>,
  ): Promise<void> {
    if (!this.hasFollowUps(attempt)) return store();
    const canvas = this.options.canvas!;
    await canvas.prepare(attempt.message, finished, this.canvasRun);
    await store();
    const parent = { message: attempt.message, queue: this.delivery.queue, run: this.canvasRun };
    await canvas.publish(parent, finished);
  }

  private hasFollowUps(attempt: DecodedAttempt): boolean {
    return this.options.canvas?.hasFollowUps(attempt.message) ?? false;
  }

  private get canvasRun(): CanvasRun {
    return {
      log: this.log,
      redis: (what, call) =>
        retryRedis(call, {
          deadline: this.deadline,
          boundWaiting: true,
          isStopping: this.options.isStopping,
          logger: this.log,
          what,
        }),
    };
  }

  private resultContext(attempt: DecodedAttempt): ResultContext;
  private resultContext(attempt: Attempt): ResultContext | null;
  private resultContext(attempt: Attempt): ResultContext | null {
    if (!attempt.taskId) return null;
    // Arguments are copied into the result for inspection (Celery's result_extended), but a
    // huge body must not be copied into Redis and pushed to every subscriber. One object
    // literal per shape: this runs for every task.
    const withArguments = this.delivery.message.content.length <= MAX_ARGUMENT_BYTES_IN_RESULT;
    const decoded = attempt.kind === 'decoded';
    if (!withArguments)
      return {
        taskId: attempt.taskId,
        name: attempt.taskName ?? '',
        worker: this.options.workerName,
        retries: decoded ? attempt.message.retries : 0,
        queue: attempt.queue,
      };
    return {
      taskId: attempt.taskId,
      name: attempt.taskName ?? '',
      worker: this.options.workerName,
      retries: decoded ? attempt.message.retries : 0,
      queue: attempt.queue,
      args: decoded ? attempt.message.args : [],
      kwargs: decoded ? (attempt.kwargs ?? attempt.message.kwargs) : {},
    };
  }

  /** PROGRESS as the handler gave it, or without it when it cannot be stored as JSON. */
  private async persistProgress(
    attempt: DecodedAttempt,
    progress: Readonly<Record<string, unknown>>,
  ): Promise<void> {
    const ctx = this.resultContext(attempt);
    const options = { storeResult: storesResult(attempt), endAttempt: true };
    try {
      await this.persist(progressMeta(ctx, progress), options);
    } catch (err) {
      if (!(err instanceof ResultEncodeError)) throw err;
      this.log.warn('progress cannot be stored as JSON; storing PROGRESS without it', {
        error: err.message,
      });
      await this.persist(progressMeta(ctx, {}), options);
    }
  }

  /**
   * Writes to Redis within this settle's budget. Arguments that cannot be stored as JSON are
   * left out rather than failing the write; any other meta that cannot be encoded is thrown
   * at once (ResultEncodeError), never retried.
   */
  private async persist(meta: ResultMeta, options: StoreOptions): Promise<void> {
    try {
      await this.write(meta, options);
    } catch (err) {
      const withoutArguments = err instanceof ResultEncodeError && (meta.args || meta.kwargs);
      if (!withoutArguments) throw err;
      this.log.warn('arguments cannot be stored as JSON; storing the result without them', {
        error: err.message,
      });
      await this.write({ ...meta, args: null, kwargs: null }, options);
    }
  }

  /** One store, retried through a Redis outage until the deadline, and no longer. */
  private async write(meta: ResultMeta, options: StoreOptions): Promise<void> {
    await retryRedis(() => this.options.results.store(meta, options), {
      deadline: this.deadline,
      boundWaiting: true,
      isStopping: this.options.isStopping,
      logger: this.log,
      what: `store ${meta.status}`,
    });
  }

  private async deadLetter(attempt: Attempt, outcome: DeadOutcome): Promise<void> {
    const { queue, message } = this.delivery;
    const { properties, content } = message;
    await this.options.publisher.publish({
      exchange: '',
      routingKey: deadQueueName(queue),
      content,
      properties: {
        ...optional('contentType', properties.contentType as string | undefined),
        ...optional('contentEncoding', properties.contentEncoding as string | undefined),
        ...optional('correlationId', properties.correlationId as string | undefined),
        headers: {
          ...(properties.headers ?? {}),
          'x-burrow-reason': outcome.reason,
          'x-burrow-code': outcome.code,
          'x-burrow-error': outcome.error.message.slice(0, 2_000),
          'x-burrow-worker': this.options.workerName,
          'x-burrow-failed-at': new Date().toISOString(),
          'x-burrow-attempts': (attempt.kind === 'decoded' ? attempt.message.retries : 0) + 1,
          'x-burrow-queue': queue,
        },
      },
    });
  }
}

/** False for Celery's ignore_result: completion is still recorded, the result is not. */
function storesResult(attempt: Attempt): boolean {
  return attempt.kind === 'undecoded' || attempt.message.ignoreResult !== true;
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value ? ({ [key]: value } as Record<K, string>) : {};
}
