import { Semaphore } from '../src/engine/semaphore';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Semaphore', () => {
  it('bounds holders and serves waiters in order', async () => {
    const semaphore = new Semaphore(2);
    const order: number[] = [];
    await semaphore.acquire();
    await semaphore.acquire();
    const third = semaphore.acquire().then(() => order.push(3));
    const fourth = semaphore.acquire().then(() => order.push(4));
    await tick();
    expect(order).toEqual([]);
    semaphore.release();
    await third;
    semaphore.release();
    await fourth;
    expect(order).toEqual([3, 4]);
  });

  it('gives acquireAll every permit once the holders are done, ahead of ordinary waiters', async () => {
    const semaphore = new Semaphore(3);
    await semaphore.acquire();
    await semaphore.acquire();
    const events: string[] = [];
    const all = semaphore.acquireAll().then(() => events.push('all'));
    const ordinary = semaphore.acquire().then(() => events.push('ordinary'));
    await tick();
    expect(events).toEqual([]);
    semaphore.release();
    await tick();
    expect(events).toEqual([]);
    semaphore.release();
    await all;
    expect(semaphore.running).toBe(3);
    expect(events).toEqual(['all']);
    semaphore.releaseAll();
    await ordinary;
    expect(events).toEqual(['all', 'ordinary']);
    expect(semaphore.running).toBe(1);
  });
});
