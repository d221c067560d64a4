import { TurnBatch } from '../src/results/turn-batch';

/** A batch whose run doubles each item and records what it was given. */
function doubling(maxItems?: number) {
  const runs: number[][] = [];
  const batch = new TurnBatch<number, number>(async (items) => {
    runs.push([...items]);
    return items.map((n) => n * 2);
  }, maxItems);
  return { batch, runs };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('TurnBatch', () => {
  it('runs the calls of one turn as one batch and answers each caller with its own item', async () => {
    const { batch, runs } = doubling();
    const answers = await Promise.all([batch.add(1), batch.add(2), batch.add(3)]);
    expect(answers).toEqual([2, 4, 6]);
    expect(runs).toEqual([[1, 2, 3]]);
  });

  it('takes calls that reach it through promise chains of the same turn', async () => {
    const { batch, runs } = doubling();
    const later = async (n: number) => {
      await Promise.resolve();
      await Promise.resolve();
      return batch.add(n);
    };
    expect(await Promise.all([batch.add(1), later(2), later(3)])).toEqual([2, 4, 6]);
    expect(runs).toEqual([[1, 2, 3]]);
  });

  it('starts a new batch in the next turn', async () => {
    const { batch, runs } = doubling();
    const first = batch.add(1);
    await nextTurn();
    const second = batch.add(2);
    expect(await Promise.all([first, second])).toEqual([2, 4]);
    expect(runs).toEqual([[1], [2]]);
  });

  it('sends a batch as soon as it is full', async () => {
    const { batch, runs } = doubling(2);
    const answers = await Promise.all([1, 2, 3, 4, 5].map((n) => batch.add(n)));
    expect(answers).toEqual([2, 4, 6, 8, 10]);
    expect(runs).toEqual([[1, 2], [3, 4], [5]]);
  });

  it("rejects every caller of a batch with the batch's error, and the next batch still runs", async () => {
    let fail = true;
    const batch = new TurnBatch<number, number>(async (items) => {
      if (fail) throw new Error('Redis went away');
      return items.map((n) => n + 1);
    });
    const results = await Promise.allSettled([batch.add(1), batch.add(2)]);
    expect(results.map((r) => r.status === 'rejected' && (r.reason as Error).message)).toEqual([
      'Redis went away',
      'Redis went away',
    ]);
    fail = false;
    expect(await batch.add(3)).toBe(4);
  });

  it('rejects the callers when the run throws before returning a promise', async () => {
    const batch = new TurnBatch<number, number>(() => {
      throw new Error('cannot encode');
    });
    await expect(batch.add(1)).rejects.toThrow('cannot encode');
  });
});
