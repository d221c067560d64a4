import { QUEUES } from '@burrow/contracts';
import { DeadLetterAdmin, type DeadLetterPrune } from '@burrow/shared';
import type { Redis } from 'ioredis';

/** An AMQP connection, as DeadLetterAdmin takes it (the workers package does not speak AMQP). */
export type AmqpConnection = ConstructorParameters<typeof DeadLetterAdmin>[0];

/** Prunes one queue's dead letters older than a cutoff (DeadLetterAdmin.pruneOlderThan). */
export interface DeadLetterPruner {
  pruneOlderThan(
    queue: string,
    cutoff: Date,
    options: { readonly signal?: AbortSignal },
  ): Promise<DeadLetterPrune>;
}

/**
 * Remembers, per queue, until when its head dead letter is too young to prune, so a nightly
 * prune does not take (and return) that same message every night: each return adds one to
 * its `x-delivery-count`, which a broker-side delivery limit would count. A key per queue,
 * expiring when the head becomes due; new dead letters join the tail, so nothing ahead of a
 * remembered head can be older.
 */
export class DeadLetterHeads {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  private key(queue: string): string {
    return `${this.keyPrefix}burrow-dead-letter-head:${queue}`;
  }

  /** When the head of `queue` was last seen to have failed, if that is still remembered. */
  async notDue(queue: string): Promise<string | null> {
    return this.redis.get(this.key(queue));
  }

  async remember(queue: string, failedAt: string, dueAt: number, now: number): Promise<void> {
    const ms = Math.ceil(dueAt - now);
    if (ms > 0) await this.redis.set(this.key(queue), failedAt, 'PX', ms);
  }
}

/** How the dead_letters step reaches the broker; null in `services` when it cannot. */
export interface DeadLetterPruning {
  readonly pruner: DeadLetterPruner;
  readonly heads: DeadLetterHeads;
  /** Task queues whose `<queue>.dead` is pruned: the catalogue's. */
  readonly queues: readonly string[];
}

/** Dead-letter pruning on a connection that may change (the worker reconnects). */
export function deadLetterPruning(
  connection: () => AmqpConnection | undefined,
  heads: DeadLetterHeads,
  queues: readonly string[] = QUEUES,
): DeadLetterPruning {
  return {
    heads,
    queues,
    pruner: {
      pruneOlderThan: (queue, cutoff, options) => {
        const current = connection();
        if (!current) return Promise.reject(new Error('not connected to RabbitMQ'));
        return new DeadLetterAdmin(current, null).pruneOlderThan(queue, cutoff, options);
      },
    },
  };
}
