import type { SweepCandidate } from './sweep';

/**
 * Names of rotated logs: `x.log`, `x.log.3`, `x.log.gz`, `x.log.3.gz`, any `*.gz`, and
 * winston-daily-rotate-file's `<service>-YYYY-MM-DD.log` (with its `.N` size rotations).
 * Its audit file (`.<hash>-audit.json`) does not match: deleting it would make the logger
 * forget which files it rotates.
 */
const LOG_NAME = /(\.log(\.\d+)?(\.gz)?|\.gz)$/;
const DATED = /(\d{4}-\d{2}-\d{2})\.log(\.\d+)?(\.gz)?$/;

/** The date stamps "today" may carry at `now`: UTC and the process's local day. */
export function todayStamps(now: number): Set<string> {
  const local = new Date(now);
  const pad = (n: number) => String(n).padStart(2, '0');
  return new Set([
    new Date(now).toISOString().slice(0, 10),
    `${local.getFullYear()}-${pad(local.getMonth() + 1)}-${pad(local.getDate())}`,
  ]);
}

/**
 * `select` for cleanup_old_logs_task: a log file by name, older than `daysToKeep` days, and
 * not the current day's file even if its mtime is old (a quiet service writes it rarely).
 */
export function oldLogFile(now: number, daysToKeep: number): (file: SweepCandidate) => boolean {
  const today = todayStamps(now);
  const maxAgeMs = daysToKeep * 86_400_000;
  return (file) => {
    if (!LOG_NAME.test(file.name) || file.name.endsWith('-audit.json')) return false;
    const stamp = DATED.exec(file.name)?.[1];
    if (stamp !== undefined && today.has(stamp)) return false;
    return now - file.mtimeMs > maxAgeMs;
  };
}
