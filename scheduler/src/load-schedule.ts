import { CATALOGUE } from '@burrow/contracts';
import { ConfigError } from '@burrow/shared';
import { DEFAULT_SCHEDULE } from './default-schedule';
import { compileSchedule, type CompiledEntry, type ScheduleEntry } from './schedule-entry';
import { mergeSchedules, readScheduleFile } from './schedule-file';
import type { SchedulerConfig } from './scheduler-config';

/** A compiled entry whose queue is known (its own, or its catalogue task's). */
export type ResolvedEntry = CompiledEntry & { readonly queue: string };

/**
 * The effective schedule: defaults overlaid with SCHEDULE_FILE, validated and compiled; a
 * task outside the catalogue must name its queue.
 */
export function loadSchedule(
  config: Pick<SchedulerConfig, 'scheduleFile' | 'timezone' | 'catchUpWindowSeconds'>,
  defaults: readonly ScheduleEntry[] = DEFAULT_SCHEDULE,
): ResolvedEntry[] {
  const file = config.scheduleFile ? readScheduleFile(config.scheduleFile) : null;
  const compiled = compileSchedule(mergeSchedules(defaults, file), {
    timezone: config.timezone,
    catchUpWindowSeconds: config.catchUpWindowSeconds,
  });
  return compiled.map((entry) => {
    const queue = entry.queue ?? CATALOGUE.find((c) => c.name === entry.task)?.queue;
    if (!queue)
      throw new ConfigError(
        `schedule entry ${JSON.stringify(entry.name)}: task ${entry.task} is not in the catalogue; give its queue`,
      );
    return { ...entry, queue };
  });
}
