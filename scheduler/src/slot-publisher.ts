import { BrokerUnavailableError, type Logger, type TaskClient } from '@burrow/shared';
import { expiresSeconds } from './fire-times';
import type { CompiledEntry } from './schedule-entry';
import type { SchedulerMetrics } from './scheduler-metrics';
import type { SlotStore } from './slot-store';
import { scheduledTaskId } from './task-id';

export interface SlotPublisherOptions {
  readonly client: Pick<TaskClient, 'send'>;
  readonly slots: SlotStore;
  readonly logger: Logger;
  readonly metrics?: SchedulerMetrics;
  readonly now?: () => Date;
  /**
   * How long a publish that fails for a retryable reason (broker away) keeps being retried
   * while holding the slot's claim. @default 300000
   */
  readonly retryForMs?: number;
}

export type PublishResult =
  | { readonly kind: 'published'; readonly taskId: string }
  | { readonly kind: 'taken'; readonly taskId: string }
  | { readonly kind: 'failed'; readonly taskId: string; readonly error: Error };

/**
 * Publishes one fire time of one entry, at most once across replicas: claim the slot in Redis
 * for a short lease, publish with the derived task id, record it as the entry's last slot and
 * only then make the claim permanent. A failed publish releases the claim; a replica that lost
 * the claim watches it, and takes the slot over when its holder died before the confirm.
 */
export class SlotPublisher {
  private readonly inFlight = new Set<Promise<PublishResult>>();
  private readonly watches = new Set<NodeJS.Timeout>();
  private stopping = false;

  constructor(private readonly options: SlotPublisherOptions) {}

  publish(entry: CompiledEntry, slot: Date, reason: 'tick' | 'catch-up'): Promise<PublishResult> {
    return this.track(this.run(entry, slot, reason, 0));
  }

  /** Resolves once every publish started so far has settled; pending retries give up. */
  async drain(): Promise<void> {
    this.stopping = true;
    for (const timer of this.watches) clearTimeout(timer);
    this.watches.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private track(run: Promise<PublishResult>): Promise<PublishResult> {
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
    return run;
  }

  /**
   * Another replica holds the slot: once its lease could have lapsed, look again. If the slot
   * was published meanwhile nothing happens; if the holder died before the broker confirmed,
   * its lease has run out and this replica claims and publishes the slot itself. A holder still
   * retrying keeps renewing, so the watch repeats, as long as a publish may keep retrying.
   */
  private watchHolder(entry: CompiledEntry, slot: Date, takeovers: number): void {
    const { slots } = this.options;
    const retryForMs = this.options.retryForMs ?? 300_000;
    if (this.stopping || takeovers * slots.leaseMs > retryForMs + slots.leaseMs) return;
    const timer = setTimeout(() => {
      this.watches.delete(timer);
      void this.track(
        (async (): Promise<PublishResult> => {
          const last = await slots.lastPublished(entry.name);
          if (last !== null && last.getTime() >= slot.getTime())
            return { kind: 'taken', taskId: scheduledTaskId(entry.name, slot) };
          return this.run(entry, slot, 'takeover', takeovers + 1);
        })().catch((error: Error) => ({
          kind: 'failed' as const,
          taskId: scheduledTaskId(entry.name, slot),
          error,
        })),
      );
    }, slots.leaseMs + 500);
    timer.unref();
    this.watches.add(timer);
  }

  private async run(
    entry: CompiledEntry,
    slot: Date,
    reason: 'tick' | 'catch-up' | 'takeover',
    takeovers: number,
  ): Promise<PublishResult> {
    const { slots, logger, metrics } = this.options;
    const taskId = scheduledTaskId(entry.name, slot);
    const fields = { entry: entry.name, slot: slot.toISOString(), taskId, task: entry.task };
    let token: string | null = null;
    try {
      token = await slots.claim(entry.name, slot);
      if (token === null) {
        logger.debug('slot already claimed by another scheduler', fields);
        this.watchHolder(entry, slot, takeovers);
        return { kind: 'taken', taskId };
      }
      const claim = token;
      // Renewed at a third of the lease while the publish (and its retries) lasts.
      const renewal = setInterval(() => {
        slots.renew(entry.name, slot, claim).catch(() => undefined);
      }, slots.leaseMs / 3);
      renewal.unref();
      try {
        await this.sendWithRetries(entry, taskId, fields);
      } finally {
        clearInterval(renewal);
      }
      await slots.markPublished(entry.name, slot);
      await slots.settle(entry.name, slot, claim);
      metrics?.published.inc({ entry: entry.name });
      logger.info('published periodic task', {
        ...fields,
        reason,
        catchUp: reason === 'catch-up',
        ...(reason === 'takeover' ? { takeover: true } : {}),
      });
      return { kind: 'published', taskId };
    } catch (err) {
      const error = err as Error;
      metrics?.failed.inc({ entry: entry.name });
      logger.error('publishing periodic task failed', { ...fields, reason, error: error.message });
      if (token !== null)
        await slots
          .release(entry.name, slot, token)
          .catch((releaseErr: Error) =>
            logger.warn('could not release slot claim', { ...fields, error: releaseErr.message }),
          );
      return { kind: 'failed', taskId, error };
    }
  }

  /**
   * A broker outage should not cost a fire time: retry with backoff while holding the claim.
   * Re-sending is safe because the task id is derived from the slot (workers skip duplicates).
   */
  private async sendWithRetries(
    entry: CompiledEntry,
    taskId: string,
    fields: Record<string, string>,
  ): Promise<void> {
    const deadline = Date.now() + (this.options.retryForMs ?? 300_000);
    for (let wait = 1_000; ; wait = Math.min(wait * 2, 30_000)) {
      try {
        const now = this.options.now?.() ?? new Date();
        await this.options.client.send(entry.task, entry.args ?? entry.kwargs ?? {}, {
          queue: entry.queue,
          taskId,
          countdown: entry.options?.countdown,
          expires: expiresSeconds(entry, now),
        });
        return;
      } catch (err) {
        if (
          !(err instanceof BrokerUnavailableError) ||
          this.stopping ||
          Date.now() + wait > deadline
        )
          throw err;
        this.options.logger.warn('publishing periodic task failed; retrying', {
          ...fields,
          inMs: wait,
          error: (err as Error).message,
        });
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }
}
