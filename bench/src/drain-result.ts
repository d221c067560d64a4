/** One measured drain: how many tasks, how long from start of consuming to the last ack. */
export interface DrainResult {
  readonly consumer: string;
  readonly tasks: number;
  readonly seconds: number;
  /** Time spent starting to consume (included in `seconds`), for the record. */
  readonly startSeconds: number;
  /** CPU (user + system) the consuming Node process spent over `seconds`. */
  readonly cpuSeconds: number;
}

export const tasksPerSecond = (r: DrainResult): number => r.tasks / r.seconds;
export const cpuMicrosPerTask = (r: DrainResult): number => (r.cpuSeconds * 1e6) / r.tasks;

/** A run that stops advancing this long is failed rather than left hanging. */
const STALL_MS = 30_000;

/** Settles once `total` completions are counted; rejects on the first failure or a stall. */
export class CompletionCounter {
  count = 0;
  private resolveDone!: (at: number) => void;
  private rejectDone!: (err: Error) => void;
  private readonly watchdog: NodeJS.Timeout;
  /** Resolves with performance.now() of the last completion. */
  readonly done: Promise<number>;

  constructor(readonly total: number) {
    this.done = new Promise<number>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.catch(() => undefined); // awaited by the run; a failure before that is not unhandled
    let seen = -1;
    this.watchdog = setInterval(() => {
      if (this.count === seen) {
        this.fail(
          new Error(`no task completed for ${STALL_MS / 1000}s (${this.count} of ${total})`),
        );
      }
      seen = this.count;
    }, STALL_MS);
  }

  add(): void {
    this.count++;
    if (this.count === this.total) {
      clearInterval(this.watchdog);
      this.resolveDone(performance.now());
    }
  }

  fail(err: Error): void {
    this.dispose();
    this.rejectDone(err);
  }

  /** Stops the stall watchdog; safe to repeat. */
  dispose(): void {
    clearInterval(this.watchdog);
  }
}

/** Measures CPU of this process from now; call the result to read seconds spent. */
export function cpuClock(): () => number {
  const start = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1e6;
  };
}
