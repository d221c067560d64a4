/**
 * Gathers the calls made in one turn of the event loop into one batch. The first call of a turn
 * schedules the flush on process.nextTick, which runs once the turn's promise jobs are done:
 * deliveries that arrived in the same socket read reach their Redis call in the same turn, so a
 * burst of N tasks costs one script call instead of N. Nothing waits on a timer. Each caller
 * gets its own item's answer, or the batch's error.
 */
export class TurnBatch<I, O> {
  private items: I[] = [];
  private waiters: { resolve: (value: O) => void; reject: (err: unknown) => void }[] = [];
  private scheduled = false;

  constructor(
    private readonly run: (items: readonly I[]) => Promise<readonly O[]>,
    /** A batch this large goes at once; a Lua script blocks Redis while it runs. */
    private readonly maxItems = 128,
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.items.push(item);
      this.waiters.push({ resolve, reject });
      if (this.items.length >= this.maxItems) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        process.nextTick(this.flush);
      }
    });
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const { items, waiters } = this;
    if (items.length === 0) return;
    this.items = [];
    this.waiters = [];
    const settle = (answers: readonly O[]) => {
      for (let i = 0; i < waiters.length; i++) waiters[i]!.resolve(answers[i]!);
    };
    const fail = (err: unknown) => {
      for (const waiter of waiters) waiter.reject(err);
    };
    try {
      this.run(items).then(settle, fail);
    } catch (err) {
      fail(err);
    }
  };
}
