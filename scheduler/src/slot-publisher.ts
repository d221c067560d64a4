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
 * Publishes one fire time of one entry, at most once across replicas: claim the slot in Redis,
 * publish with the derived task id, record it as the entry's last slot. A failed publish
 * releases the claim so the slot is not lost to a claim nobody acted on.
 */
export class SlotPublisher {
  private readonly inFlight = new Set<Promise<PublishResult>>();
  private stopping = false;

  constructor(private readonly options: SlotPublisherOptions) {}

  publish(entry: CompiledEntry, slot: Date, reason: 'tick' | 'catch-up'): Promise<PublishResult> {
    const run = this.run(entry, slot, reason);
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
    return run;
  }

  /** Resolves once every publish started so far has settled; pending retries give up. */
  async drain(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.inFlight]);
  }

  private async run(
    entry: CompiledEntry,
    slot: Date,
    reason: 'tick' | 'catch-up',
  ): Promise<PublishResult> {
    const { slots, logger, metrics } = this.options;
    const taskId = scheduledTaskId(entry.name, slot);
    const fields = { entry: entry.name, slot: slot.toISOString(), taskId, task: entry.task };
    let token: string | null = null;
    try {
      token = await slots.claim(entry.name, slot);
      if (token === null) {
        logger.debug('slot already claimed by another scheduler', fields);
        return { kind: 'taken', taskId };
      }
      await this.sendWithRetries(entry, taskId, fields);
      await slots.markPublished(entry.name, slot);
      metrics?.published.inc({ entry: entry.name });
      logger.info('published periodic task', { ...fields, reason, catchUp: reason === 'catch-up' });
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
