import type { ConsumeMessage } from 'amqplib';
import type { Publisher } from '../broker';
import type { Canvas } from '../canvas';
import type { Logger } from '../logging';
import type { RedisResultStore } from '../results';
import type { Attempt, Outcome } from './outcome';

/** One message as delivered, and the queue it came from. */
export interface Delivery {
  readonly queue: string;
  readonly message: ConsumeMessage;
}

/**
 * What the consumer does with a delivery once settling is over: ack it (its outcome is
 * durable), or hand it back to the broker for redelivery (it is not, and nothing was lost).
 */
export type SettleDecision =
  { readonly kind: 'ack' } | { readonly kind: 'requeue'; readonly reason: string };

export interface SettlerOptions {
  readonly publisher: Publisher;
  readonly results: RedisResultStore;
  readonly logger: Logger;
  readonly workerName: string;
  /** Becomes true when the worker is shutting down: stop retrying Redis writes. */
  readonly isStopping: () => boolean;
  /**
   * How long one outcome may wait for Redis, through an outage or repeated errors, before its
   * delivery is requeued rather than holding a prefetch slot. @default 60
   */
  readonly redisBudgetSeconds?: number;
  /** Follow-ups (links, errbacks, chains, chords) sent between the durable outcome and the ack. */
  readonly canvas?: Canvas;
  readonly onSettled?: (outcome: Outcome, attempt: Attempt, delivery: Delivery) => void;
}
