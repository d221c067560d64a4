import type { Topology } from './topology';

/**
 * Delays without holding messages: level k is a durable queue whose messages wait 2^k seconds
 * and then dead-letter to level k-1. The routing key spells the delay in binary, most
 * significant bit first, followed by the destination queue: "0.0.….1.0.1.email". Each level's
 * exchange sends a message whose bit k is 1 into its waiting queue and one whose bit k is 0
 * straight on to the next exchange down, so a delay of d seconds waits exactly d seconds in
 * total. After level 0 the "deliver" exchange routes by the final word to the task's queue.
 */
/*
 * The level queues are classic (lazy, on disk), not quorum: RabbitMQ 3.10's quorum queues only
 * expire TTL messages when the queue sees other activity (rabbitmq-server#10718, still open), so
 * an idle level held a minute-long delay for several minutes in our tests. Classic queues expire
 * on a timer. The cost: classic dead-lettering is not publisher-confirmed between cluster nodes.
 */
export const DELAY_LEVELS = 28; // 2^28 - 1 s ≈ 8.5 years
export const MAX_DELAY_SECONDS = 2 ** DELAY_LEVELS - 1;
export const DELAY_EXCHANGE_PREFIX = 'burrow.delay';
export const DELAY_DELIVER_EXCHANGE = 'burrow.delay.deliver';
/**
 * The exchange a delay starts at: the level of its highest set bit. Starting at the top level
 * would also work, but every exchange-to-exchange hop over a 28-word topic key costs the broker
 * a pattern match: publishing a one-minute delay through all 22 empty levels above it runs at
 * ~400 msg/s here, entering at its own level at ~6 000 msg/s.
 */
export function delayEntryExchange(seconds: number): string {
  return levelName(Math.floor(Math.log2(seconds)));
}

export function levelName(level: number): string {
  return `${DELAY_EXCHANGE_PREFIX}.${String(level).padStart(2, '0')}`;
}

/** Routing key that makes a message wait `seconds` and then land on `queue`. */
export function delayRoutingKey(seconds: number, queue: string): string {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_DELAY_SECONDS) {
    throw new RangeError(
      `delay must be a whole number of seconds in 1..${MAX_DELAY_SECONDS}, got ${seconds}`,
    );
  }
  const bits: string[] = [];
  for (let level = DELAY_LEVELS - 1; level >= 0; level--)
    bits.push(Math.floor(seconds / 2 ** level) % 2 ? '1' : '0');
  return `${bits.join('.')}.${queue}`;
}

/** Binding of a task queue to the deliver exchange: any delay, then exactly this queue. */
export function delayDeliverPattern(queue: string): string {
  return `${'*.'.repeat(DELAY_LEVELS)}${queue}`;
}

/** Pattern matching keys whose bit for `level` equals `bit`. */
function levelPattern(level: number, bit: '0' | '1'): string {
  return `${'*.'.repeat(DELAY_LEVELS - 1 - level)}${bit}.#`;
}

/** The delay levels plus bindings that let them deliver to the given task queues. */
export function delayLevelsTopology(queues: readonly string[]): Topology {
  const exchanges: Topology['exchanges'][number][] = [
    { name: DELAY_DELIVER_EXCHANGE, type: 'topic' },
  ];
  const levelQueues: Topology['queues'][number][] = [];
  const bindings: Topology['bindings'][number][] = [];
  const exchangeBindings: Topology['exchangeBindings'][number][] = [];
  for (let level = 0; level < DELAY_LEVELS; level++) {
    const name = levelName(level);
    const next = level === 0 ? DELAY_DELIVER_EXCHANGE : levelName(level - 1);
    exchanges.push({ name, type: 'topic' });
    levelQueues.push({
      name,
      arguments: {
        'x-queue-type': 'classic',
        'x-queue-mode': 'lazy',
        'x-message-ttl': 2 ** level * 1000,
        'x-dead-letter-exchange': next,
      },
    });
    bindings.push({ queue: name, exchange: name, pattern: levelPattern(level, '1') });
    exchangeBindings.push({ destination: next, source: name, pattern: levelPattern(level, '0') });
  }
  for (const queue of queues) {
    bindings.push({
      queue,
      exchange: DELAY_DELIVER_EXCHANGE,
      pattern: delayDeliverPattern(queue),
    });
  }
  return { exchanges, queues: levelQueues, bindings, exchangeBindings };
}
