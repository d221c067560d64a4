import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { Logger } from '../logging';
import { deadQueueName, type Publisher } from '../broker';
import {
  failureMeta,
  retryMeta,
  revokedMeta,
  successMeta,
  type RedisResultStore,
  type ResultContext,
  type ResultMeta,
} from '../results';
import type { Attempt, Outcome } from './outcome';

/** Bodies larger than this keep their arguments out of the stored result. */
const MAX_ARGUMENT_BYTES_IN_RESULT = 64 * 1024;

/** One message as delivered: the channel it must be acked on travels with it. */
export interface Delivery {
  readonly queue: string;
  readonly message: ConsumeMessage;
  readonly channel: ConfirmChannel;
}

export interface SettlerOptions {
  readonly publisher: Publisher;
  readonly results: RedisResultStore;
  readonly logger: Logger;
  readonly workerName: string;
  /** Becomes true when the worker is shutting down: stop retrying Redis writes. */
  readonly isStopping: () => boolean;
  readonly onSettled?: (outcome: Outcome, attempt: Attempt) => void;
}

/**
 * The single place where an outcome becomes effects. Order matters for at-least-once: the
 * effect that makes the outcome durable (result, retry copy, dead letter) is confirmed first,
 * and the delivery is acked last. A crash in between means redelivery, never loss.
 */
export class Settler {
  constructor(private readonly options: SettlerOptions) {}

  async settle(delivery: Delivery, attempt: Attempt, outcome: Outcome): Promise<void> {
    const { logger } = this.options;
    const log = logger.child({
      taskId: attempt.taskId ?? undefined,
      task: attempt.taskName ?? undefined,
    });
    const ctx = this.resultContext(attempt, delivery.message.content.length);
    const storeResult = attempt.message?.ignoreResult !== true;
    try {
      switch (outcome.kind) {
        case 'success':
          if (ctx)
            await this.persist(successMeta(ctx, outcome.result), { final: true, storeResult });
          log.info('task succeeded', { ms: Date.now() - attempt.startedAt });
          break;
        case 'retry': {
          const message = attempt.message;
          if (!message || !ctx) throw new Error('retry without a decoded message');
          await this.persist(retryMeta(ctx, outcome.error), { storeResult, endAttempt: true });
          const eta = new Date(Date.now() + outcome.delaySeconds * 1000).toISOString();
          await this.options.publisher.publishTask(
            delivery.queue,
            { ...message, retries: message.retries + 1, eta },
            outcome.delaySeconds,
          );
          log.warn('task failed; retrying', {
            error: outcome.error.message,
            code: outcome.code,
            retry: message.retries + 1,
            of: attempt.maxRetries,
            inSeconds: outcome.delaySeconds,
          });
          break;
        }
        case 'defer': {
          const message = attempt.message;
          if (!message) throw new Error('defer without a decoded message');
          await this.options.publisher.publishTask(delivery.queue, message, outcome.delaySeconds);
          log.info('task scheduled for later', {
            eta: message.eta,
            inSeconds: outcome.delaySeconds,
          });
          break;
        }
        case 'dead':
          await this.deadLetter(
            delivery,
            attempt,
            outcome.reason,
            outcome.code,
            outcome.error.message,
          );
          if (ctx)
            await this.persist(failureMeta(ctx, outcome.error), { final: true, storeResult });
          log.error('task dead-lettered', {
            reason: outcome.reason,
            code: outcome.code,
            error: outcome.error.message,
            deadQueue: deadQueueName(delivery.queue),
          });
          break;
        case 'revoked':
          if (ctx)
            await this.persist(revokedMeta(ctx, outcome.reason), { final: true, storeResult });
          log.warn('task revoked, not run', { reason: outcome.reason });
          break;
        case 'duplicate':
          log.info('task already completed by an earlier delivery; skipped');
          break;
      }
    } catch (err) {
      // The outcome is not durable: leave the delivery unacked, the broker redelivers it when
      // this channel closes. Acking here could lose the task.
      log.error('could not settle task; it will be redelivered', {
        outcome: outcome.kind,
        error: (err as Error).message,
      });
      return;
    }
    this.ack(delivery, log);
    this.options.onSettled?.(outcome, attempt);
  }

  private resultContext(attempt: Attempt, bodyBytes: number): ResultContext | null {
    if (!attempt.taskId) return null;
    // Arguments are copied into the result for inspection (Celery's result_extended), but a
    // huge body must not be copied into Redis and pushed to every subscriber.
    if (bodyBytes > MAX_ARGUMENT_BYTES_IN_RESULT) {
      return {
        taskId: attempt.taskId,
        name: attempt.taskName ?? '',
        worker: this.options.workerName,
        retries: attempt.message?.retries ?? 0,
        queue: attempt.queue,
      };
    }
    return {
      taskId: attempt.taskId,
      name: attempt.taskName ?? '',
      worker: this.options.workerName,
      retries: attempt.message?.retries ?? 0,
      queue: attempt.queue,
      args: attempt.message?.args ?? [],
      kwargs: attempt.kwargs ?? attempt.message?.kwargs ?? {},
    };
  }

  /** Writes to Redis, waiting out a Redis outage unless the worker is stopping. */
  private async persist(
    meta: ResultMeta,
    options: { final?: boolean; storeResult?: boolean; endAttempt?: boolean },
  ): Promise<void> {
    for (let wait = 250; ; wait = Math.min(wait * 2, 5_000)) {
      try {
        await this.options.results.store(meta, options);
        return;
      } catch (err) {
        if (this.options.isStopping()) throw err;
        this.options.logger.warn('cannot store result; waiting for Redis', {
          taskId: meta.task_id,
          error: (err as Error).message,
        });
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  private async deadLetter(
    delivery: Delivery,
    attempt: Attempt,
    reason: string,
    code: string,
    error: string,
  ): Promise<void> {
    const { properties, content } = delivery.message;
    await this.options.publisher.publish({
      exchange: '',
      routingKey: deadQueueName(delivery.queue),
      content,
      properties: {
        ...optional('contentType', properties.contentType as string | undefined),
        ...optional('contentEncoding', properties.contentEncoding as string | undefined),
        ...optional('correlationId', properties.correlationId as string | undefined),
        headers: {
          ...(properties.headers ?? {}),
          'x-burrow-reason': reason,
          'x-burrow-code': code,
          'x-burrow-error': error.slice(0, 2_000),
          'x-burrow-worker': this.options.workerName,
          'x-burrow-failed-at': new Date().toISOString(),
          'x-burrow-attempts': (attempt.message?.retries ?? 0) + 1,
          'x-burrow-queue': delivery.queue,
        },
      },
    });
  }

  private ack(delivery: Delivery, log: Logger): void {
    try {
      delivery.channel.ack(delivery.message);
    } catch (err) {
      // The channel closed after the outcome was stored; the redelivery is a recognised duplicate.
      log.warn('ack failed; the delivery will come back and be skipped as a duplicate', {
        error: (err as Error).message,
      });
    }
  }
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value ? ({ [key]: value } as Record<K, string>) : {};
}
