import { decodeTaskMessage, parseCeleryTime, type TaskMessage } from '@burrow/contracts';
import type { ConsumeMessage } from 'amqplib';
import { MAX_DELAY_SECONDS } from '../broker';
import { effectiveRetryPolicy } from './backoff';
import {
  deadOutcome,
  type Attempt,
  type DeadOutcome,
  type Decided,
  type DecodedAttempt,
  type Outcome,
  type UndecodedAttempt,
} from './outcome';
import { RedisUnavailableError, retryRedis } from './redis-budget';
import { AttemptRunner, type AttemptRunnerOptions } from './run-attempt';
import type { AttemptAbort } from './run-handler';
import type { RegisteredTask, TaskRegistry } from './task-registry';

export interface DeciderOptions extends Omit<AttemptRunnerOptions, 'trackStarted'> {
  readonly registry: TaskRegistry;
  /** Executions begun without an outcome after which a task is dead-lettered as a crash loop. */
  readonly maxDeliveries: number;
  /** Returns to the queue (x-delivery-count) after which a message is dead-lettered unrun. */
  readonly maxRedeliveries: number;
  /** Runs `run` with no other task beside it in this worker. */
  readonly isolate: <T>(run: () => Promise<T>) => Promise<T>;
  /** Store STARTED before running (Celery task_track_started). */
  readonly trackStarted?: boolean;
  readonly now?: () => number;
  /** Ids revoked by remote control: such a task is not run, REVOKED is stored. */
  readonly isRevoked?: (taskId: string) => boolean;
  /** Called as the handler starts, with the handle a terminating revoke uses. */
  readonly started?: (delivery: ConsumeMessage, abort: AttemptAbort) => void;
}

/** An eta this close is run now rather than sent round the delay levels again. */
const ETA_TOLERANCE_MS = 500;

/**
 * Works out what should happen to one delivery, running the handler when it should run. The
 * steps, in order: guard against a requeue loop, decode, expiry, route to a registered task,
 * eta, prepare the kwargs, check for a handler, begin the attempt in Redis, run. Never throws:
 * every failure becomes an outcome for `settle`, an unexpected one a requeue.
 */
export class Decider {
  private readonly runner: AttemptRunner;
  private readonly now: () => number;

  constructor(private readonly options: DeciderOptions) {
    this.runner = new AttemptRunner({ ...options, trackStarted: options.trackStarted ?? false });
    this.now = options.now ?? Date.now;
  }

  async decide(queue: string, delivery: ConsumeMessage): Promise<Decided> {
    const startedAt = this.now();
    try {
      return await this.steps(queue, delivery, startedAt);
    } catch (err) {
      const fields = { ...identify(delivery), error: (err as Error).message };
      if (err instanceof RedisUnavailableError) {
        this.options.logger.warn('Redis unavailable; requeueing the delivery', fields);
      } else {
        this.options.logger.error('unexpected error deciding a delivery; requeueing it', {
          ...fields,
          stack: (err as Error).stack,
        });
      }
      return {
        attempt: undecoded(queue, identify(delivery), startedAt),
        outcome: { kind: 'requeue', reason: (err as Error).message },
      };
    }
  }

  private async steps(
    queue: string,
    delivery: ConsumeMessage,
    startedAt: number,
  ): Promise<Decided> {
    const looping = this.redeliveryLoop(delivery);
    if (looping) return this.refuse(undecoded(queue, identify(delivery), startedAt), looping);
    const decoded = decodeTaskMessage(delivery);
    if (!decoded.ok) {
      const { error } = decoded;
      const attempt = undecoded(queue, { taskId: error.taskId, task: error.task }, startedAt);
      return this.refuse(attempt, deadOutcome(error.reason, error.code));
    }
    const { message } = decoded;
    const registered = this.options.registry.get(message.task);
    const attempt = decodedAttempt(queue, message, registered, startedAt);
    const expired = (await this.expiry(message)) ?? (await this.revoked(message));
    if (expired) return { attempt, outcome: expired };
    if (!registered) return this.refuse(attempt, unknownTask(message.task, queue));
    const later = this.eta(message);
    if (later?.kind === 'dead') return this.refuse(attempt, later);
    if (later) return { attempt, outcome: later };
    const prepared = registered.compiled.prepare(message.args, message.kwargs);
    const withKwargs: DecodedAttempt = { ...attempt, kwargs: prepared.kwargs };
    if (!prepared.ok) {
      const { reason, code } = prepared.error;
      return this.refuse(withKwargs, deadOutcome(reason, code));
    }
    const run = registered.bound;
    if (!run) return this.refuse(withKwargs, notImplemented(message.task));
    const kwargs = prepared.kwargs as Record<string, unknown>;
    const started = this.options.started;
    const outcome = await this.begin(withKwargs, () =>
      this.runner.run(
        run,
        registered.contract.defaults,
        withKwargs,
        kwargs,
        started ? (abort) => started(delivery, abort) : undefined,
      ),
    );
    return { attempt: withKwargs, outcome };
  }

  /**
   * Refuses a delivery before any attempt begins, unless an earlier delivery of the same id
   * already settled it (a crash before its ack): then it is a duplicate, not a second dead
   * letter. The check also waits out a Redis outage before anything is published, so refusals
   * that could not store their FAILURE are not dead-lettered again on every requeue.
   */
  private async refuse(attempt: Attempt, outcome: DeadOutcome): Promise<Decided> {
    const id = attempt.taskId;
    const done =
      id !== null && (await this.redis('check completion', () => this.options.results.isDone(id)));
    const decided = done ? ({ kind: 'duplicate' } as const) : outcome;
    // One branch per kind of attempt, so that each pair is checked against its own type.
    return attempt.kind === 'undecoded'
      ? { attempt, outcome: decided }
      : { attempt, outcome: decided };
  }

  /**
   * A backstop against a delivery handed back again and again (a bug that throws on this
   * message, an outcome that cannot be stored): the task queues are quorum queues, whose
   * x-delivery-count header counts every return to the queue. Read before decoding, so even a
   * message whose decoding throws cannot loop for ever.
   */
  private redeliveryLoop(delivery: ConsumeMessage): DeadOutcome | null {
    const count: unknown = delivery.properties.headers?.['x-delivery-count'];
    if (typeof count !== 'number' || count <= this.options.maxRedeliveries) return null;
    return deadOutcome(
      `returned to the queue ${count} times without being settled (at most ${this.options.maxRedeliveries})`,
      'redelivery_loop',
    );
  }

  /**
   * Expired is REVOKED whatever this worker knows of the task (even with no handler here, or
   * none registered), unless an earlier delivery completed it: a finished result stays.
   */
  private async expiry(message: TaskMessage): Promise<Outcome | null> {
    if (!message.expires || parseCeleryTime(message.expires)!.getTime() > this.now()) return null;
    const done = await this.redis('check completion', () =>
      this.options.results.isDone(message.id),
    );
    return done
      ? { kind: 'duplicate' }
      : { kind: 'revoked', reason: `expired at ${message.expires}` };
  }

  /**
   * Revoked by remote control (held in Redis, so it holds for workers started later and for a
   * task coming back from the delay levels): REVOKED, unless an earlier delivery completed it.
   */
  private async revoked(message: TaskMessage): Promise<Outcome | null> {
    if (!this.options.isRevoked?.(message.id)) return null;
    const done = await this.redis('check completion', () =>
      this.options.results.isDone(message.id),
    );
    return done ? { kind: 'duplicate' } : { kind: 'revoked', reason: 'revoked' };
  }

  /** A future eta waits in the delay levels; one beyond their reach can never be published. */
  private eta(message: TaskMessage): Outcome | null {
    if (!message.eta) return null;
    const wait = parseCeleryTime(message.eta)!.getTime() - this.now();
    if (wait <= ETA_TOLERANCE_MS) return null;
    const delaySeconds = Math.ceil(wait / 1000);
    if (delaySeconds <= MAX_DELAY_SECONDS) return { kind: 'defer', delaySeconds };
    return deadOutcome(
      `eta ${message.eta} is ${delaySeconds}s away, beyond the longest delay burrow can hold (${MAX_DELAY_SECONDS}s, about 8.5 years)`,
      'eta_too_far',
    );
  }

  /**
   * One Redis call: already completed? and how many executions began without an outcome.
   * Counted only for executions actually begun, so messages merely prefetched by a worker that
   * died are not blamed for what another message did to it.
   */
  private async begin(attempt: DecodedAttempt, run: () => Promise<Outcome>): Promise<Outcome> {
    const { results, maxDeliveries } = this.options;
    const id = attempt.taskId;
    const starts = await this.redis('begin the attempt', () => results.beginAttempt(id));
    if (starts === null) return { kind: 'duplicate' };
    if (starts === 1) return run();
    // It was running when a worker died. Run it alone, so that if it is the culprit it is the
    // only one blamed, and tasks that merely ran beside it complete. Waiting for that is not
    // running: the count goes back until the task really starts.
    await this.redis('abandon the attempt', () => results.abandonAttempt(id));
    return this.options.isolate(async (): Promise<Outcome> => {
      const again = await this.redis('begin the attempt', () => results.beginAttempt(id));
      if (again === null) return { kind: 'duplicate' };
      if (again > maxDeliveries) {
        return deadOutcome(
          `started ${again} times without reaching an outcome; it keeps killing the worker that runs it`,
          'crash_loop',
        );
      }
      this.options.logger.warn('task was running when a worker died; running it alone', {
        taskId: id,
        task: attempt.taskName,
        starts: again,
      });
      return run();
    });
  }

  /**
   * Nothing has run yet, so a Redis outage is waited out here (the worker reports not-ready;
   * every worker shares this Redis, so handing the delivery back would only move the wait).
   * Errors are retried within the budget, then the delivery is requeued.
   */
  private redis<T>(what: string, call: () => Promise<T>): Promise<T> {
    return retryRedis(call, {
      deadline: Date.now() + this.options.redisBudgetMs,
      boundWaiting: false,
      isStopping: () => this.options.shutdownSignal.aborted,
      logger: this.options.logger,
      what,
    });
  }
}

/** The id and name a delivery's headers claim, read without decoding it. */
function identify(delivery: ConsumeMessage): { taskId: string | null; task: string | null } {
  const headers = delivery.properties.headers ?? {};
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  return {
    taskId: text(headers.id) ?? text(delivery.properties.correlationId),
    task: text(headers.task),
  };
}

function undecoded(
  queue: string,
  known: { taskId: string | null; task: string | null },
  startedAt: number,
): UndecodedAttempt {
  return {
    kind: 'undecoded',
    queue,
    taskId: known.taskId,
    taskName: known.task,
    kwargs: null,
    startedAt,
  };
}

function decodedAttempt(
  queue: string,
  message: TaskMessage,
  registered: RegisteredTask | undefined,
  startedAt: number,
): DecodedAttempt {
  const retry = registered?.contract.defaults.retry;
  return {
    kind: 'decoded',
    queue,
    message,
    taskId: message.id,
    taskName: message.task,
    kwargs: null,
    maxRetries: retry ? effectiveRetryPolicy(retry, message.retryPolicy).maxRetries : 0,
    startedAt,
  };
}

function unknownTask(task: string, queue: string): DeadOutcome {
  return deadOutcome(`task ${task} is not registered on queue ${queue}`, 'unknown_task');
}

function notImplemented(task: string): DeadOutcome {
  return deadOutcome(`task ${task} has no handler in this version of burrow`, 'not_implemented');
}
