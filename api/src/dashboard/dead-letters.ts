import {
  DeadLetterAdmin,
  type BrokerConnection,
  type DeadLetter,
  type RedisResultStore,
} from '@burrow/shared';

/** Broker not connected: the dead-letter routes answer 503. */
export class BrokerUnavailableError extends Error {
  readonly code = 'broker_unavailable';
}

/**
 * `DeadLetterAdmin` (as `burrow dead-letters` uses it) on whatever broker connection is current,
 * for the dashboard's dead-letter panel and its replay and purge buttons.
 */
export class DeadLetters {
  constructor(
    private readonly connection: BrokerConnection,
    private readonly results: RedisResultStore,
  ) {}

  private admin(): DeadLetterAdmin {
    const amqp = this.connection.current;
    if (!amqp) throw new BrokerUnavailableError('not connected to RabbitMQ');
    return new DeadLetterAdmin(amqp, this.results);
  }

  /** The first `limit` dead letters of a task queue (they stay in the queue). */
  show(queue: string, limit: number): Promise<DeadLetter[]> {
    return this.admin().show(queue, limit);
  }

  /** Sends dead letters back to their queue (all, or those task ids); the ones replayed. */
  replay(queue: string, ids: readonly string[]): Promise<DeadLetter[]> {
    return this.admin().replay(queue, ids.length > 0 ? { ids } : {});
  }

  /** Deletes every dead letter of a task queue; how many. */
  purge(queue: string): Promise<number> {
    return this.admin().purge(queue);
  }
}
