import {
  cleanupOldLogsTask,
  cleanupTempFilesTask,
  dailyMaintenanceTask,
  systemHealthCheckTask,
} from '@burrow/contracts';
import { defineHandler } from '@burrow/shared';
import { defineFamily } from '../family';
import { cleanupOldLogs } from './cleanup-old-logs';
import { cleanupTempFiles } from './cleanup-temp-files';
import { cleanupConfig } from './config';
import { dailyMaintenance } from './daily-maintenance';
import { createCleanupServices } from './services';
import { systemHealthCheck } from './system-health-check';

/** The `cleanup` queue: temp and log sweeps, the health check and the nightly maintenance. */
export const cleanupFamily = defineFamily({
  queue: 'cleanup',
  title: 'Cleanup and health',
  tasks: [
    defineHandler(cleanupTempFilesTask, cleanupTempFiles),
    defineHandler(cleanupOldLogsTask, cleanupOldLogs),
    defineHandler(systemHealthCheckTask, systemHealthCheck),
    defineHandler(dailyMaintenanceTask, dailyMaintenance),
  ],
  config: cleanupConfig,
  createServices: createCleanupServices,
});
