import type { QueueType } from '../config';

/**
 * The broker objects burrow relies on, as data. Declared idempotently on every (re)connect by
 * `applyTopology`; never on the publish path. Task queues are quorum queues with no other
 * arguments (QUEUE_TYPE=quorum), so a Celery client declaring the same queue (the generated
 * docs/celery_config.py) agrees with us; or, to adopt the queues a Python Celery fleet already
 * declared (QUEUE_TYPE=classic), classic queues with no arguments at all, exactly as kombu
 * declares them by default.
 */
export interface ExchangeSpec {
  readonly name: string;
  readonly type: 'direct' | 'topic' | 'fanout';
}
export interface QueueSpec {
  readonly name: string;
  readonly arguments: Readonly<Record<string, unknown>>;
}
export interface BindingSpec {
  readonly queue: string;
  readonly exchange: string;
  readonly pattern: string;
}
export interface ExchangeBindingSpec {
  readonly destination: string;
  readonly source: string;
  readonly pattern: string;
}
export interface Topology {
  readonly exchanges: readonly ExchangeSpec[];
  readonly queues: readonly QueueSpec[];
  readonly bindings: readonly BindingSpec[];
  readonly exchangeBindings: readonly ExchangeBindingSpec[];
}

export const QUORUM = Object.freeze({ 'x-queue-type': 'quorum' });

export const QUEUE_TYPES: readonly QueueType[] = ['quorum', 'classic'];

/**
 * Arguments of a task queue of this type. Classic sends none, not even `x-queue-type`: kombu
 * declares Celery's queues without arguments, and RabbitMQ compares arguments on every
 * redeclaration, so anything more (a quorum-only argument above all) would be refused.
 */
export function taskQueueArguments(type: QueueType): Readonly<Record<string, unknown>> {
  return type === 'quorum' ? QUORUM : NO_ARGUMENTS;
}
const NO_ARGUMENTS = Object.freeze({});

/** Name of the dead-letter queue of a task queue. */
export const deadQueueName = (queue: string): string => `${queue}.dead`;

/**
 * For each task queue Q: direct exchange Q → queue Q (routing key Q), reachable also through
 * the default exchange as Celery publishes; and Q.dead for messages that cannot be run. Q has
 * the given type; Q.dead is burrow's own (Celery never declares it) and stays a quorum queue
 * whatever the type, so adopting classic queues changes nothing for dead letters and moving
 * to quorum later re-declares only the task queues.
 */
export function taskQueuesTopology(
  queues: readonly string[],
  queueType: QueueType = 'quorum',
): Topology {
  return {
    exchanges: queues.map((name) => ({ name, type: 'direct' as const })),
    queues: queues.flatMap((name) => [
      { name, arguments: taskQueueArguments(queueType) },
      { name: deadQueueName(name), arguments: QUORUM },
    ]),
    bindings: queues.map((name) => ({ queue: name, exchange: name, pattern: name })),
    exchangeBindings: [],
  };
}

/** Nothing: for processes that only publish and so declare nothing they do not own. */
export const EMPTY_TOPOLOGY: Topology = Object.freeze({
  exchanges: [],
  queues: [],
  bindings: [],
  exchangeBindings: [],
});

/** Combines topologies, dropping repeated declarations. */
export function mergeTopologies(...parts: Topology[]): Topology {
  const unique = <T>(items: T[]) => [...new Map(items.map((i) => [JSON.stringify(i), i])).values()];
  return {
    exchanges: unique(parts.flatMap((p) => p.exchanges)),
    queues: unique(parts.flatMap((p) => p.queues)),
    bindings: unique(parts.flatMap((p) => p.bindings)),
    exchangeBindings: unique(parts.flatMap((p) => p.exchangeBindings)),
  };
}

/** The subset of an amqplib channel that declaring topology needs. */
export interface TopologyChannel {
  assertExchange(name: string, type: string, options: object): Promise<unknown>;
  assertQueue(name: string, options: object): Promise<unknown>;
  bindQueue(queue: string, exchange: string, pattern: string): Promise<unknown>;
  bindExchange(destination: string, source: string, pattern: string): Promise<unknown>;
}

/** Declares everything; safe to repeat. Durable, non-auto-delete, as kombu declares them. */
export async function applyTopology(channel: TopologyChannel, topology: Topology): Promise<void> {
  await Promise.all(
    topology.exchanges.map((e) =>
      channel.assertExchange(e.name, e.type, { durable: true, autoDelete: false }),
    ),
  );
  await Promise.all(
    topology.queues.map((q) =>
      channel.assertQueue(q.name, {
        durable: true,
        exclusive: false,
        autoDelete: false,
        arguments: q.arguments,
      }),
    ),
  );
  await Promise.all([
    ...topology.bindings.map((b) => channel.bindQueue(b.queue, b.exchange, b.pattern)),
    ...topology.exchangeBindings.map((b) =>
      channel.bindExchange(b.destination, b.source, b.pattern),
    ),
  ]);
}
