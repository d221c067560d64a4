import {
  cleanupOldLogsTask,
  cleanupTempFilesTask,
  dailyMaintenanceTask,
  sendDailyDigestTask,
  systemHealthCheckTask,
  updateExchangeRatesTask,
} from '@burrow/contracts';
import type { ScheduleEntry } from './schedule-entry';

/**
 * The periodic tasks the backend relies on. Times are read in each entry's time zone, which
 * defaults to SCHEDULER_TIMEZONE; an override file (SCHEDULE_FILE) may replace or disable any.
 */
export const DEFAULT_SCHEDULE: readonly ScheduleEntry[] = Object.freeze([
  { name: 'daily_maintenance', cron: '0 2 * * *', task: dailyMaintenanceTask.name },
  { name: 'update_exchange_rates', cron: '0 * * * *', task: updateExchangeRatesTask.name },
  { name: 'send_daily_digest', cron: '0 8 * * *', task: sendDailyDigestTask.name },
  {
    name: 'system_health_check',
    cron: '*/5 * * * *',
    task: systemHealthCheckTask.name,
    catchUp: 'none',
  },
  { name: 'cleanup_temp_files', cron: '0 3 * * *', task: cleanupTempFilesTask.name },
  { name: 'cleanup_old_logs', cron: '30 3 * * *', task: cleanupOldLogsTask.name },
]);
