/** One measured drain: how many tasks, how long from start of consuming to the last ack. */
export interface DrainResult {
  readonly consumer: string;
  readonly tasks: number;
  readonly seconds: number;
  /** Time spent starting to consume (included in `seconds`), for the record. */
  readonly startSeconds: number;
}

export const tasksPerSecond = (r: DrainResult): number => r.tasks / r.seconds;

/** Settles once `total` completions are counted; rejects on the first failure. */
export class CompletionCounter {
  count = 0;
  private resolveDone!: (at: number) => void;
  private rejectDone!: (err: Error) => void;
  /** Resolves with performance.now() of the last completion. */
  readonly done: Promise<number>;

  constructor(readonly total: number) {
    this.done = new Promise<number>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
  }

  add(): void {
    this.count++;
    if (this.count === this.total) this.resolveDone(performance.now());
  }

  fail(err: Error): void {
    this.rejectDone(err);
  }
}
