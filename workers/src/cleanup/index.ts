import { systemHealthCheckTask } from '@burrow/contracts';
import { defineHandler } from '@burrow/shared';
import { defineFamily } from '../family';
import { cleanupConfig } from './config';
import { createCleanupServices } from './services';
import { systemHealthCheck } from './system-health-check';

/** The `cleanup` queue: the health check today; sweeps and nightly maintenance next. */
export const cleanupFamily = defineFamily({
  queue: 'cleanup',
  title: 'Cleanup and health',
  tasks: [defineHandler(systemHealthCheckTask, systemHealthCheck)],
  config: cleanupConfig,
  createServices: createCleanupServices,
});
