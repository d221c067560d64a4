import type { TaskContract } from '../task-contract';
import { CLEANUP_TASKS } from './cleanup';
import { DATA_PROCESSING_TASKS } from './data-processing';
import { EMAIL_TASKS } from './email';
import { NOTIFICATION_TASKS } from './notifications';

export * from './queues';
export * from './email';
export * from './notifications';
export * from './data-processing';
export * from './cleanup';

/**
 * Every built-in task, grouped by queue in `QUEUES` order. Workers register handlers against
 * it, the scheduler and API validate against it, and the generated docs and schemas come from it.
 */
export const CATALOGUE: readonly TaskContract[] = Object.freeze([
  ...EMAIL_TASKS,
  ...NOTIFICATION_TASKS,
  ...DATA_PROCESSING_TASKS,
  ...CLEANUP_TASKS,
]);
