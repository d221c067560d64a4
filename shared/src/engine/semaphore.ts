/**
 * Bounds how many tasks run at once; waiters are served in arrival order. `acquireAll` takes
 * every permit, ahead of ordinary waiters, so one task can run with nothing beside it.
 */
export class Semaphore {
  private available: number;
  private readonly waiters: (() => void)[] = [];
  private readonly exclusiveWaiters: (() => void)[] = [];
  private exclusiveHeld = false;

  constructor(private _size: number) {
    this.available = _size;
  }

  get size(): number {
    return this._size;
  }

  /**
   * Changes the number of permits. Growing frees the new ones at once; shrinking takes effect as
   * running holders release (nothing running is interrupted).
   */
  resize(size: number): void {
    this.available += size - this._size;
    this._size = size;
    this.dispatch();
  }

  acquire(): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.dispatch();
    });
  }

  release(): void {
    this.available++;
    this.dispatch();
  }

  /** Waits until every permit is free and takes them all; one exclusive holder at a time. */
  acquireAll(): Promise<void> {
    return new Promise((resolve) => {
      this.exclusiveWaiters.push(resolve);
      this.dispatch();
    });
  }

  releaseAll(): void {
    this.exclusiveHeld = false;
    this.available = this.size;
    this.dispatch();
  }

  get running(): number {
    return this.exclusiveHeld ? this.size : this.size - this.available;
  }

  private dispatch(): void {
    if (this.exclusiveHeld) return;
    const exclusive = this.exclusiveWaiters[0];
    if (exclusive) {
      // Hold freed permits back from ordinary waiters until the exclusive waiter has them all.
      if (this.available === this.size) {
        this.exclusiveWaiters.shift();
        this.exclusiveHeld = true;
        this.available = 0;
        exclusive();
      }
      return;
    }
    while (this.available > 0 && this.waiters.length > 0) {
      this.available--;
      this.waiters.shift()!();
    }
  }
}
