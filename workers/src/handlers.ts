import {
  CATALOGUE,
  sendBulkEmailTask,
  sendDailyDigestTask,
  sendEmailTask,
  sendNotificationToBackend as sendNotificationToBackendTask,
  systemHealthCheckTask,
} from '@burrow/contracts';
import type { TaskDefinition, TaskHandler } from '@burrow/shared';
import { systemHealthCheck } from './cleanup/system-health-check';
import { sendBulkEmail } from './email/send-bulk-email';
import { sendDailyDigest } from './email/send-daily-digest';
import { sendEmail } from './email/send-email';
import { sendNotificationToBackend } from './email/send-notification-to-backend';
import type { WorkerServices } from './services';

/** Handlers by task name; catalogue tasks missing here fail with a clear permanent error. */
const HANDLERS: Readonly<Record<string, TaskHandler<WorkerServices>>> = {
  [systemHealthCheckTask.name]: systemHealthCheck,
  [sendEmailTask.name]: sendEmail,
  [sendBulkEmailTask.name]: sendBulkEmail,
  [sendNotificationToBackendTask.name]: sendNotificationToBackend,
  [sendDailyDigestTask.name]: sendDailyDigest,
};

/** The catalogue with the handlers this build implements. */
export function catalogueDefinitions(): TaskDefinition<WorkerServices>[] {
  return CATALOGUE.map((contract) => ({ contract, handler: HANDLERS[contract.name] }));
}
