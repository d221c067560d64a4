import { schedule as cronSchedule, type ScheduledTask } from 'node-cron';
import type { Logger } from '@burrow/shared';
import { catchUpSlots, slotForTick } from './fire-times';
import type { CompiledEntry } from './schedule-entry';
import type { SlotPublisher } from './slot-publisher';
import type { SlotStore } from './slot-store';

export interface SchedulerOptions {
  readonly entries: readonly CompiledEntry[];
  readonly publisher: SlotPublisher;
  readonly slots: SlotStore;
  readonly logger: Logger;
  readonly now?: () => Date;
}

/** A running scheduler: node-cron fires, the slot publisher claims and publishes. */
export interface RunningScheduler {
  /** True once catch-up is done and every entry is armed. */
  readonly ready: () => boolean;
  /** Stops firing, waits for in-flight publishes. */
  stop(): Promise<void>;
}

/**
 * Arms a node-cron job per entry, then publishes the fire times missed while no scheduler ran
 * (per entry's catch-up rule). Ticks and catch-up share the Redis claim, so an overlap between
 * them, or with another replica, publishes a slot once.
 */
export async function startScheduler(options: SchedulerOptions): Promise<RunningScheduler> {
  const { entries, publisher, slots, logger } = options;
  const now = options.now ?? (() => new Date());
  let stopping = false;
  let ready = false;
  const cronLogger = {
    info: (m: string) => logger.debug(m, { component: 'node-cron' }),
    warn: (m: string) => logger.warn(m, { component: 'node-cron' }),
    error: (m: string | Error) => logger.error(String(m), { component: 'node-cron' }),
    debug: (m: string | Error) => logger.debug(String(m), { component: 'node-cron' }),
  };
  const tasks: ScheduledTask[] = entries.map((entry) =>
    cronSchedule(
      entry.cron,
      () => {
        if (stopping) return;
        const slot = slotForTick(entry, now());
        if (slot) void publisher.publish(entry, slot, 'tick');
      },
      { name: entry.name, timezone: entry.timezone, logger: cronLogger },
    ),
  );
  try {
    await catchUp(entries, publisher, slots, logger, now());
  } catch (err) {
    logger.error('catch-up failed; continuing with the regular schedule', {
      error: (err as Error).message,
    });
  }
  ready = true;
  return {
    ready: () => ready && !stopping,
    stop: async () => {
      stopping = true;
      await Promise.all(tasks.map(async (task) => task.destroy()));
      await publisher.drain();
    },
  };
}

async function catchUp(
  entries: readonly CompiledEntry[],
  publisher: SlotPublisher,
  slots: SlotStore,
  logger: Logger,
  at: Date,
): Promise<void> {
  for (const entry of entries) {
    const last = await slots.lastPublished(entry.name);
    const missed = catchUpSlots(entry, last, at);
    if (missed.length > 0)
      logger.info('catching up missed fire times', {
        entry: entry.name,
        lastPublished: last?.toISOString() ?? null,
        slots: missed.map((s) => s.toISOString()).join(','),
      });
    for (const slot of missed) await publisher.publish(entry, slot, 'catch-up');
  }
}
