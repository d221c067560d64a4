import { CATALOGUE, compileContract } from '@burrow/contracts';
import { ConfigError } from '@burrow/shared';
import { DEFAULT_SCHEDULE } from './default-schedule';
import { compileSchedule, type CompiledEntry, type ScheduleEntry } from './schedule-entry';
import { mergeSchedules, readScheduleFile } from './schedule-file';
import type { SchedulerConfig } from './scheduler-config';

/** A compiled entry whose queue is known (its own, or its catalogue task's). */
export type ResolvedEntry = CompiledEntry & { readonly queue: string };

/**
 * The effective schedule: defaults overlaid with SCHEDULE_FILE, validated and compiled; a
 * task outside the catalogue must name its queue, and a catalogue task's arguments are checked
 * against its contract here, so a bad entry stops the scheduler at start, not at 02:00.
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
    const contract = CATALOGUE.find((c) => c.name === entry.task);
    const queue = entry.queue ?? contract?.queue;
    if (!queue)
      throw new ConfigError(
        `schedule entry ${JSON.stringify(entry.name)}: task ${entry.task} is not in the catalogue; give its queue`,
      );
    if (contract) {
      const prepared = compileContract(contract).prepare(entry.args ?? [], entry.kwargs ?? {});
      if (!prepared.ok)
        throw new ConfigError(
          `schedule entry ${JSON.stringify(entry.name)}: ${prepared.error.reason}`,
        );
    }
    return { ...entry, queue };
  });
}
