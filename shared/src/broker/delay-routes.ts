import { PermanentError } from '../errors';
import type { BrokerConnection } from './broker-connection';
import { DELAY_DELIVER_EXCHANGE, delayDeliverPattern } from './delay-levels';

/** A task that cannot reach its queue: the queue (or the delay levels) is not declared. */
export class UnroutableTaskError extends PermanentError {
  constructor(
    message: string,
    readonly queue: string,
    options?: { cause?: unknown },
  ) {
    super(message, 'unroutable', options);
  }
}

/**
 * Makes sure a delayed task will find its queue when its delay ends. A message that leaves the
 * last delay level with no binding for its queue is dropped by the broker without a word, and a
 * mandatory publish cannot tell (the first level always takes it). Workers bind the queues they
 * consume; a publisher sending to a queue no burrow worker consumes (a Python worker's, during
 * a switch-over) binds it here, once per queue and process. The binding belongs to burrow's
 * delay topology; the queue itself is never declared, so a missing one is an error naming it.
 */
export class DelayRoutes {
  private readonly bound = new Map<string, Promise<void>>();

  constructor(private readonly connection: BrokerConnection) {}

  ensure(queue: string): Promise<void> {
    let binding = this.bound.get(queue);
    if (!binding) {
      binding = this.bind(queue);
      this.bound.set(queue, binding);
      // A failure is not cached: the queue may be declared by the next call.
      binding.catch(() => this.bound.delete(queue));
    }
    return binding;
  }

  private async bind(queue: string): Promise<void> {
    const amqp = this.connection.current;
    if (!amqp) throw new Error(`cannot route a delayed task to ${queue}: broker not connected`);
    // A channel of its own: a refused bind closes the channel it was sent on.
    const channel = await amqp.createChannel();
    channel.on('error', () => undefined);
    try {
      await channel.bindQueue(queue, DELAY_DELIVER_EXCHANGE, delayDeliverPattern(queue));
    } catch (err) {
      throw explainBindError(err as Error, queue);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }
}

function explainBindError(err: Error, queue: string): Error {
  const text = err.message;
  if (!/NOT.FOUND/i.test(text)) return err;
  if (text.includes(`no exchange '${DELAY_DELIVER_EXCHANGE}'`))
    return new UnroutableTaskError(
      `cannot send a delayed task to ${queue}: the delay levels (${DELAY_DELIVER_EXCHANGE}) are not declared in this virtual host; start a burrow worker, which declares them`,
      queue,
      { cause: err },
    );
  return new UnroutableTaskError(
    `cannot send a task to ${queue}: no queue named '${queue}' in this virtual host; start a worker that consumes it (it declares the queue), or check the task's routing`,
    queue,
    { cause: err },
  );
}
