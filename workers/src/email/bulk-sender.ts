import { setMaxListeners } from 'node:events';
import { ContinueLater, PermanentError, RetryableError, type Logger } from '@burrow/shared';
import type { RateLimiter } from '../providers/fleet-rate-limiter';
import { smtpTaskError, type SmtpFailure } from './smtp-errors';
import type { Mailer, OutgoingMail } from './smtp-mailer';
import { isDeliverableAddress } from './addresses';
import {
  personaliser,
  sendToRecipient,
  type BulkMessage,
  type RecipientOutcome,
} from './bulk-recipient';
import { isDone, type EmailState } from './email-state';

export type { BulkMessage } from './bulk-recipient';

export interface BulkResult {
  readonly total: number;
  readonly sent: number;
  readonly failed: number;
  readonly failures: { email: string; error: string }[];
}

export interface BulkSenderDeps {
  readonly mailer: Mailer;
  readonly limiter: RateLimiter;
  readonly state: EmailState;
  readonly messageIdDomain: string;
  /** Mails in flight at once (the pool's connections are kept busy). */
  readonly concurrency: number;
  readonly logger: Logger;
  /** The task's signal: soft time limit or shutdown. */
  readonly signal: AbortSignal;
  readonly reportProgress: (progress: {
    sent: number;
    failed: number;
    total: number;
  }) => Promise<void>;
  /** On the task's last attempt, recipients still deferred (4xx) are recorded as failures. */
  readonly lastAttempt: boolean;
  /** @default 3 */
  readonly recipientTries?: number;
  readonly retryDelayMs?: (retry: number) => number;
  /** How long sends in flight may finish after the signal aborts. @default 3000 */
  readonly drainMs?: number;
  /** @default 1000 */
  readonly progressIntervalMs?: number;
}

/** Message-scope refusals in a row, with nothing sent, after which the whole bulk stops. */
const SYSTEMATIC_REFUSALS = 20;

/**
 * Sends one message to many recipients within this one task (not as child tasks: one task id,
 * one result, one progress record; a child per recipient would cost a broker round trip and a
 * result per mail and leave the caller to aggregate). Recipients go out `concurrency` at a
 * time through the pool, each after taking a fleet-wide rate token, and each is recorded in
 * Redis as soon as it is done, so any later attempt of the same task (a retry, a redelivery
 * after a crash, a dead-letter replay) skips the recipients already done. Only a mail the
 * server accepted in the instant before a crash, not yet recorded, can go out twice, and it
 * carries the same Message-ID `<task-id.index@domain>`.
 *
 * A 5xx for a recipient is that recipient's failure in the result. 4xx replies and connection
 * trouble are retried inline a few times, then end the attempt retryably so the rest resumes
 * later (on the last attempt a recipient still deferred is recorded as failed instead). At the
 * soft time limit it stops taking recipients, lets sends in flight finish, and asks to continue
 * in 1 s (ContinueLater): the task is re-queued as PROGRESS without spending a retry, so a large
 * send at a low fleet rate runs on for as many soft limits as the worker allows continuations
 * (20 × 23 min by default).
 */
export async function sendBulk(message: BulkMessage, deps: BulkSenderDeps): Promise<BulkResult> {
  const run = await BulkRun.resume(message, deps);
  const signals = followSignal(deps.signal, deps.drainMs ?? 3_000);
  const progress = throttled(deps.progressIntervalMs ?? 1_000, () =>
    deps.reportProgress(run.counts()),
  );
  const loop = (limit?: number) => run.sendNext(signals, () => progress.maybe(), limit);
  try {
    await progress.now();
    // One mail alone first: it opens a connection (a cold start takes a while), so the tokens
    // the parallel sends reserve next are not spent waiting for it and then sent in a burst.
    await loop(1);
    await Promise.all(Array.from({ length: Math.max(1, deps.concurrency) }, () => loop()));
  } finally {
    signals.dispose();
    await progress.settle();
  }
  return run.finish();
}

/** One attempt of a bulk send: what is done (from Redis and from this attempt), and what is not. */
class BulkRun {
  private readonly build: (index: number) => OutgoingMail;
  private readonly deferred = new Map<number, SmtpFailure>();
  /** Set when the whole send must stop: a session failure, or systematic refusals. */
  private halted: SmtpFailure | null = null;
  private refusedInARow = 0;
  private cursor = 0;

  private constructor(
    private readonly message: BulkMessage,
    private readonly deps: BulkSenderDeps,
    private readonly done: Buffer,
    private readonly failures: Map<number, { email: string; error: string }>,
    private sent: number,
    private failed: number,
  ) {
    this.build = personaliser(message, deps.messageIdDomain);
  }

  /** Picks up what earlier attempts of the same task recorded. */
  static async resume(message: BulkMessage, deps: BulkSenderDeps): Promise<BulkRun> {
    const total = message.recipients.length;
    const snapshot = await deps.state.loadBulk(message.taskId);
    let done = 0;
    for (let i = 0; i < total; i += 1) if (isDone(snapshot.done, i)) done += 1;
    const failed = snapshot.failures.size;
    if (done > 0) deps.logger.info('bulk email resuming', { total, sent: done - failed, failed });
    return new BulkRun(
      message,
      deps,
      snapshot.done,
      new Map(snapshot.failures),
      done - failed,
      failed,
    );
  }

  counts(): { sent: number; failed: number; total: number } {
    return { sent: this.sent, failed: this.failed, total: this.message.recipients.length };
  }

  /** Sends to recipients not yet done, one at a time, until told to stop or none is left. */
  async sendNext(
    signals: { stop: AbortSignal; send: AbortSignal },
    onEach: () => void,
    limit = Number.POSITIVE_INFINITY,
  ): Promise<void> {
    const { deps } = this;
    for (let taken = 0; taken < limit; taken += 1) {
      if (deps.signal.aborted || this.halted) return;
      const index = this.nextIndex();
      if (index === undefined) return;
      const mail = this.build(index);
      const email = mail.to[0]!.address;
      if (!isDeliverableAddress(email)) {
        await this.fail(index, email, 'invalid address');
        continue;
      }
      const outcome = await sendToRecipient(mail, {
        mailer: deps.mailer,
        limiter: deps.limiter,
        signal: signals.stop,
        sendSignal: signals.send,
        ...(deps.recipientTries ? { tries: deps.recipientTries } : {}),
        ...(deps.retryDelayMs ? { retryDelayMs: deps.retryDelayMs } : {}),
      });
      if (outcome.kind === 'aborted') return;
      if (outcome.kind === 'session') {
        this.halted = outcome.failure;
        return;
      }
      await this.record(index, email, outcome);
      onEach();
    }
  }

  private nextIndex(): number | undefined {
    const total = this.message.recipients.length;
    while (this.cursor < total && isDone(this.done, this.cursor)) this.cursor += 1;
    return this.cursor < total ? this.cursor++ : undefined;
  }

  private async record(
    index: number,
    email: string,
    outcome: Exclude<RecipientOutcome, { kind: 'session' | 'aborted' }>,
  ): Promise<void> {
    if (outcome.kind === 'sent') {
      this.refusedInARow = 0;
      this.sent += 1;
      await this.deps.state.markSent(this.message.taskId, index);
    } else if (outcome.kind === 'failed' || this.deps.lastAttempt) {
      const { failure } = outcome;
      await this.fail(index, email, `${failure.code}: ${failure.message}`);
      this.deps.logger.warn('bulk email recipient refused', { to: email, code: failure.code });
      if (failure.scope === 'message' && this.sent === 0) this.refusedInARow += 1;
      if (this.refusedInARow >= SYSTEMATIC_REFUSALS) this.halted = failure;
    } else {
      this.deferred.set(index, outcome.failure);
    }
  }

  private async fail(index: number, email: string, error: string): Promise<void> {
    this.failures.set(index, { email, error });
    this.failed += 1;
    await this.deps.state.markFailed(this.message.taskId, index, email, error);
  }

  /** The attempt's end: the result, or the error that says stop, continue later or retry. */
  finish(): BulkResult {
    const { deps } = this;
    const { sent, failed, total } = this.counts();
    const stopped = this.halted;
    if (stopped) {
      deps.logger.warn('bulk email stopped', { code: stopped.code, sent, failed, total });
      if (this.refusedInARow >= SYSTEMATIC_REFUSALS)
        throw new PermanentError(
          `the first ${this.refusedInARow} messages were all refused: ${stopped.message}`,
          stopped.code,
          { excType: stopped.excType, excModule: 'smtplib' },
        );
      throw smtpTaskError(stopped);
    }
    if (deps.signal.aborted)
      throw new ContinueLater(
        `bulk email paused after ${sent + failed} of ${total} recipients (${String(
          (deps.signal.reason as Error | undefined)?.message ?? 'aborted',
        )}); it continues where it stopped`,
        { afterSeconds: 1, progress: { sent, failed, total } },
      );
    if (this.deferred.size > 0) {
      const first = this.deferred.values().next().value!;
      throw new RetryableError(
        `${this.deferred.size} recipient(s) deferred by the server (${first.message}); the next attempt retries only them`,
        first.code,
        { excType: first.excType, excModule: 'smtplib' },
      );
    }
    const ordered = [...this.failures.entries()].sort(([a], [b]) => a - b).map(([, f]) => f);
    return { total, sent, failed, failures: ordered };
  }
}

/**
 * Two signals that follow the task's: `stop` aborts with it (no new sends, no more waiting),
 * `send` aborts `ms` later (sends in flight get time to end). Each is listened to by every
 * loop at once, so they allow many listeners; the task's own signal gets one.
 */
function followSignal(
  signal: AbortSignal,
  ms: number,
): { stop: AbortSignal; send: AbortSignal; dispose(): void } {
  const stop = new AbortController();
  const send = new AbortController();
  setMaxListeners(0, stop.signal, send.signal);
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    stop.abort(signal.reason);
    timer = setTimeout(() => send.abort(signal.reason), ms);
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return {
    stop: stop.signal,
    send: send.signal,
    dispose: () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    },
  };
}

/** Progress writes at most every `intervalMs`, one at a time, failures ignored. */
function throttled(intervalMs: number, write: () => Promise<void>) {
  let last = 0;
  let inFlight: Promise<void> | null = null;
  const run = (): Promise<void> => {
    last = Date.now();
    inFlight = write()
      .catch(() => undefined)
      .finally(() => (inFlight = null));
    return inFlight;
  };
  return {
    now: run,
    maybe: () => {
      if (!inFlight && Date.now() - last >= intervalMs) void run();
    },
    settle: async () => {
      await inFlight;
    },
  };
}
