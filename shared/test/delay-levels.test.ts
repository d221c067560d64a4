import {
  DELAY_LEVELS,
  MAX_DELAY_SECONDS,
  delayEntryExchange,
  delayLevelsTopology,
  delayRoutingKey,
  levelName,
} from '../src/broker/delay-levels';

/** Follows a routing key through the level bindings as RabbitMQ would, summing the waits. */
function simulate(
  routingKey: string,
  queue: string,
  entry = levelName(DELAY_LEVELS - 1),
): { waited: number; deliveredTo: string | null } {
  const topology = delayLevelsTopology([queue]);
  const matches = (pattern: string, key: string) =>
    new RegExp(
      `^${pattern
        .split('.')
        .map((w) => (w === '*' ? '[^.]+' : w === '#' ? '.*' : w))
        .join('\\.')
        .replace('\\..*', '(\\..*)?')}$`,
    ).test(key);
  let exchange = entry;
  let waited = 0;
  for (let hops = 0; hops < 200; hops++) {
    const toQueue = topology.bindings.find(
      (b) => b.exchange === exchange && matches(b.pattern, routingKey),
    );
    if (toQueue) {
      if (toQueue.queue === queue) return { waited, deliveredTo: queue };
      const spec = topology.queues.find((q) => q.name === toQueue.queue)!;
      waited += (spec.arguments['x-message-ttl'] as number) / 1000;
      exchange = spec.arguments['x-dead-letter-exchange'] as string;
      continue;
    }
    const onward = topology.exchangeBindings.find(
      (b) => b.source === exchange && matches(b.pattern, routingKey),
    );
    if (!onward) return { waited, deliveredTo: null };
    exchange = onward.destination;
  }
  throw new Error('routing loop');
}

describe('delay levels', () => {
  it('spells the delay in binary, most significant level first, then the queue', () => {
    const key = delayRoutingKey(5, 'email');
    expect(key.split('.')).toHaveLength(DELAY_LEVELS + 1);
    expect(key.endsWith('.1.0.1.email')).toBe(true);
    expect(key.startsWith('0.0.0')).toBe(true);
  });

  it.each([1, 2, 3, 5, 30, 300, 3_601, 86_400, 10_000_000])(
    'routes a %i s delay through levels summing exactly to it',
    (seconds) => {
      expect(simulate(delayRoutingKey(seconds, 'data_processing'), 'data_processing')).toEqual({
        waited: seconds,
        deliveredTo: 'data_processing',
      });
    },
  );

  it.each([1, 2, 7, 60, 86_400, MAX_DELAY_SECONDS])(
    'enters a %i s delay at its highest set level and still waits exactly',
    (seconds) => {
      const entry = delayEntryExchange(seconds);
      expect(entry).toBe(levelName(seconds.toString(2).length - 1));
      expect(simulate(delayRoutingKey(seconds, 'email'), 'email', entry)).toEqual({
        waited: seconds,
        deliveredTo: 'email',
      });
    },
  );

  it('refuses delays it cannot express', () => {
    expect(() => delayRoutingKey(0, 'q')).toThrow(RangeError);
    expect(() => delayRoutingKey(1.5, 'q')).toThrow(RangeError);
    expect(() => delayRoutingKey(MAX_DELAY_SECONDS + 1, 'q')).toThrow(/longest|1\.\./);
    expect(MAX_DELAY_SECONDS).toBeGreaterThan(5 * 365 * 86_400);
  });

  it('declares lazy classic level queues that dead-letter to the next level down', () => {
    const topology = delayLevelsTopology(['email']);
    const level3 = topology.queues.find((q) => q.name === levelName(3));
    expect(level3?.arguments).toEqual({
      'x-queue-type': 'classic',
      'x-queue-mode': 'lazy',
      'x-message-ttl': 8_000,
      'x-dead-letter-exchange': levelName(2),
    });
  });
});
