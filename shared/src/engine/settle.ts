import { BrokerUnavailableError } from '../errors';
import { Effects } from './outcome-effects';
import type { Decided, Outcome, RequeueOutcome, UndecodedAttempt } from './outcome';
import { DEFAULT_REDIS_BUDGET_SECONDS, RedisUnavailableError } from './redis-budget';

import type { Delivery, SettleDecision, SettlerOptions } from './delivery';

export type { Delivery, SettleDecision, SettlerOptions } from './delivery';

const ACK: SettleDecision = Object.freeze({ kind: 'ack' });

/**
 * The single place where an outcome becomes effects. Order matters for at-least-once: the
 * effect that makes the outcome durable (result, retry copy, dead letter) is confirmed first,
 * and only then is the decision "ack" (each outcome's order is written down beside it, in
 * outcome-effects.ts). When an effect fails for good (Redis not taking writes within the
 * budget, a publish the broker did not confirm) the decision is "requeue": the message is
 * redelivered, never lost, and does not hold a prefetch slot meanwhile. A value that can never
 * be stored is not retried: see ResultEncodeError.
 */
export class Settler {
  private readonly budgetMs: number;

  constructor(private readonly options: SettlerOptions) {
    this.budgetMs = (options.redisBudgetSeconds ?? DEFAULT_REDIS_BUDGET_SECONDS) * 1000;
  }

  async settle(delivery: Delivery, decided: Decided): Promise<SettleDecision> {
    const { attempt, outcome } = decided;
    const log = this.options.logger.child({
      taskId: attempt.taskId ?? undefined,
      task: attempt.taskName ?? undefined,
    });
    if (isRequeue(decided)) return { kind: 'requeue', reason: decided.outcome.reason };
    const effects = new Effects(this.options, delivery, log, Date.now() + this.budgetMs);
    let settled: Outcome;
    try {
      settled = isUndecoded(decided)
        ? await effects.applyUndecoded(decided.attempt, decided.outcome)
        : await effects.apply(decided.attempt, decided.outcome);
    } catch (err) {
      const expected =
        err instanceof RedisUnavailableError || err instanceof BrokerUnavailableError;
      // The outcome is not durable: hand the delivery back. Acking here could lose the task.
      log.error('could not settle task; requeueing it', {
        outcome: outcome.kind,
        error: (err as Error).message,
        ...(expected ? {} : { stack: (err as Error).stack }),
      });
      return {
        kind: 'requeue',
        reason: `could not settle ${outcome.kind}: ${(err as Error).message}`,
      };
    }
    try {
      this.options.onSettled?.(settled, decided.attempt, delivery);
    } catch (err) {
      log.warn('onSettled hook failed', { error: (err as Error).message });
    }
    return ACK;
  }
}

type Requeued = Extract<Decided, { outcome: RequeueOutcome }>;
type Settleable = Exclude<Decided, Requeued>;

// TypeScript narrows a union by its own fields, not by a field's field; these say it for it.
function isRequeue(decided: Decided): decided is Requeued {
  return decided.outcome.kind === 'requeue';
}

function isUndecoded(
  decided: Settleable,
): decided is Extract<Settleable, { attempt: UndecodedAttempt }> {
  return decided.attempt.kind === 'undecoded';
}
