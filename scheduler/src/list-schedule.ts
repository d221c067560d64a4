import { nextFireTimes } from './fire-times';
import type { CompiledEntry } from './schedule-entry';

/** Formats a time as local wall-clock time in `timezone`, with its UTC offset. */
export function formatInZone(date: Date, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  }).formatToParts(date);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const offset = part('timeZoneName').replace('GMT', '') || '+00:00';
  return `${part('year')}-${part('month')}-${part('day')}T${part('hour')}:${part('minute')}:${part('second')}${offset}`;
}

/** The `--list` text: each entry, its task and queue, and its next `count` fire times. */
export function listSchedule(entries: readonly CompiledEntry[], from: Date, count = 3): string {
  return entries
    .map((entry) => {
      const head = `${entry.name}  cron="${entry.cron}" tz=${entry.timezone} task=${entry.task}${
        entry.queue ? ` queue=${entry.queue}` : ''
      } catchUp=${entry.catchUp}`;
      const times = nextFireTimes(entry, from, count).map(
        (t) => `  next: ${formatInZone(t, entry.timezone)}`,
      );
      return [head, ...times].join('\n');
    })
    .join('\n');
}
