import type { ConsumeMessage } from 'amqplib';
import { isForNode, nodeName } from '../src/control/node-name';
import { TaskOverrides, parseRate } from '../src/engine/task-overrides';
import { AttemptAbort } from '../src/engine/run-handler';
import { TaskTerminated, TaskTracker } from '../src/engine/task-tracker';
import { Semaphore } from '../src/engine/semaphore';
import { patternRegExp } from '../src/events/event-tail';
import { LamportClock } from '../src/events/event-dispatcher';

function message(id: string, task = 'fixtures.add'): ConsumeMessage {
  return {
    content: Buffer.from('[[],{},{}]'),
    fields: {
      deliveryTag: 1,
      redelivered: false,
      exchange: '',
      routingKey: 'q',
      consumerTag: 'c',
    },
    properties: { headers: { id, task, argsrepr: '(1, 2)' } },
  } as unknown as ConsumeMessage;
}

describe('node names and destinations', () => {
  it('adds the pid to the name part, keeping the host', () => {
    expect(nodeName('burrow@web-1', 42)).toBe('burrow-42@web-1');
    expect(nodeName('a.b@c@d', 7)).toBe('a.b@c-7@d');
    expect(nodeName('solo', 7)).toMatch(/^solo-7@.+/);
  });

  it('acts on a matching destination, a glob or pcre pattern, or a broadcast', () => {
    const node = 'burrow-42@web-1';
    expect(isForNode(node, { destination: null })).toBe(true);
    expect(isForNode(node, { destination: [] })).toBe(true);
    expect(isForNode(node, { destination: [node] })).toBe(true);
    expect(isForNode(node, { destination: ['other@web-1'] })).toBe(false);
    expect(isForNode(node, { pattern: 'burrow-*@web-?' })).toBe(true);
    expect(isForNode(node, { pattern: '*@web-2' })).toBe(false);
    expect(isForNode(node, { pattern: '^burrow-\\d+@', matcher: 'pcre' })).toBe(true);
    expect(isForNode(node, { pattern: '(', matcher: 'pcre' })).toBe(false);
  });
});

describe('remote-control limits', () => {
  it("parses Celery's rate strings", () => {
    expect(parseRate('10/s')).toBe(10);
    expect(parseRate('120/m')).toBe(2);
    expect(parseRate('3600/h')).toBe(1);
    expect(parseRate(5)).toBe(5);
    expect(parseRate('7')).toBe(7);
    expect(parseRate('0')).toBeNull();
    expect(parseRate(null)).toBeNull();
    expect(() => parseRate('fast')).toThrow(/invalid rate limit/);
  });

  it('spreads a rate-limited task evenly, and leaves others alone', () => {
    let now = 1_000;
    const overrides = new TaskOverrides(() => now);
    expect(overrides.reserve('t')).toBe(0);
    overrides.setRateLimit('t', 2);
    expect([overrides.reserve('t'), overrides.reserve('t'), overrides.reserve('t')]).toEqual([
      0, 500, 1000,
    ]);
    expect(overrides.reserve('other')).toBe(0);
    now += 5_000;
    expect(overrides.reserve('t')).toBe(0);
    overrides.setRateLimit('t', null);
    expect(overrides.rateLimit('t')).toBeNull();
  });

  it('keeps time limits per task', () => {
    const overrides = new TaskOverrides();
    expect(overrides.timeLimit('t')).toBeUndefined();
    overrides.setTimeLimit('t', 5, 10);
    expect(overrides.timeLimit('t')).toEqual({ soft: 5, hard: 10 });
  });
});

describe('TaskTracker', () => {
  it('tells reserved from active, counts settled deliveries and terminates running ones', () => {
    const tracker = new TaskTracker();
    const a = message('a');
    const b = message('b', 'fixtures.fail');
    tracker.received('q', a);
    tracker.received('q', b);
    expect(tracker.reserved().map((t) => t.id)).toEqual(['a', 'b']);
    const abort = new AttemptAbort();
    tracker.started(a, abort);
    expect(tracker.active().map((t) => t.id)).toEqual(['a']);
    expect(tracker.terminate('b', 'revoked')).toBe(false);
    expect(tracker.terminate('a', 'revoked')).toBe(true);
    expect(abort.terminated).toBe(true);
    expect(abort.signal.aborted).toBe(true);
    expect(abort.signal.reason).toBeInstanceOf(TaskTerminated);
    tracker.finished(a, true);
    tracker.finished(b, false);
    expect(tracker.processed).toBe(1);
    expect(Object.fromEntries(tracker.totals)).toEqual({ 'fixtures.add': 1 });
    expect(tracker.active()).toEqual([]);
    expect(tracker.reserved()).toEqual([]);
  });
});

describe('Semaphore.resize', () => {
  it('frees new permits at once when growing and waits for holders when shrinking', async () => {
    const semaphore = new Semaphore(1);
    await semaphore.acquire();
    let second = false;
    const waiting = semaphore.acquire().then(() => (second = true));
    semaphore.resize(2);
    await waiting;
    expect(second).toBe(true);
    semaphore.resize(1);
    expect(semaphore.running).toBe(2);
    semaphore.release();
    let third = false;
    void semaphore.acquire().then(() => (third = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(third).toBe(false);
    semaphore.release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(third).toBe(true);
  });
});

describe('events plumbing', () => {
  it('matches AMQP topic patterns', () => {
    expect(patternRegExp('#').test('task.succeeded')).toBe(true);
    expect(patternRegExp('task.#').test('task.succeeded')).toBe(true);
    expect(patternRegExp('task.#').test('worker.heartbeat')).toBe(false);
    expect(patternRegExp('*.heartbeat').test('worker.heartbeat')).toBe(true);
  });

  it('keeps a Lamport clock', () => {
    const clock = new LamportClock();
    expect(clock.forward()).toBe(1);
    expect(clock.adjust(10)).toBe(11);
    expect(clock.adjust('x')).toBe(12);
  });
});
