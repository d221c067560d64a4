import TransportStream from 'winston-transport';

/** winston's key for a record's formatted line (triple-beam's MESSAGE). */
const MESSAGE = Symbol.for('message');

/** A turn's lines beyond this go out at once rather than waiting for the turn to end. */
const MAX_BUFFERED_CHARS = 64 * 1024;

/** Transports holding lines not yet written: one exit listener for all of them. */
const withPending = new Set<StdoutTransport>();
let exitHooked = false;

function writeAllPending(): void {
  for (const transport of withPending) transport.writePending();
}

/**
 * Log lines to stdout, the lines of one event-loop turn in one write. winston's Console
 * transport makes a write(2) per line (stdout is synchronous for pipes and files on Linux) and
 * schedules an event per line; at an info line per task that was most of what logging cost a
 * busy worker. Lines wait at most for the end of the current turn: nothing sits on a timer, an
 * idle process's line is written as soon as its turn ends, and whatever is pending when the
 * process exits, through process.exit() too, is written then. It goes through process.stdout,
 * so a turn's log lines stay in order with the other output of that stream.
 */
export class StdoutTransport extends TransportStream {
  private pending: string[] = [];
  private pendingChars = 0;
  private scheduled: NodeJS.Immediate | undefined;
  private readonly flushNow = () => this.writePending();

  constructor(
    options: TransportStream.TransportStreamOptions = {},
    private readonly out: NodeJS.WritableStream = process.stdout,
  ) {
    super(options);
    if (!exitHooked) {
      exitHooked = true;
      process.once('exit', writeAllPending);
    }
  }

  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    const line = `${String(info[MESSAGE])}\n`;
    this.pending.push(line);
    this.pendingChars += line.length;
    if (this.pendingChars >= MAX_BUFFERED_CHARS) this.writePending();
    else if (!this.scheduled) {
      this.scheduled = setImmediate(this.flushNow);
      withPending.add(this);
    }
    next();
  }

  /** Writes what is pending now. */
  writePending(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    withPending.delete(this);
    if (this.pending.length === 0) return;
    const text = this.pending.length === 1 ? this.pending[0]! : this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    try {
      this.out.write(text);
    } catch {
      // stdout closed under us (EPIPE): nowhere left to write these lines
    }
  }

  override close(): void {
    this.writePending();
  }
}
