import {
  sendBulkEmailTask,
  sendDailyDigestTask,
  sendEmailTask,
  sendNotificationToBackend as sendNotificationToBackendTask,
} from '@burrow/contracts';
import { defineHandler } from '@burrow/shared';
import { defineFamily } from '../family';
import { emailConfig } from './config';
import { sendBulkEmail } from './send-bulk-email';
import { sendDailyDigest } from './send-daily-digest';
import { sendEmail } from './send-email';
import { sendNotificationToBackend } from './send-notification-to-backend';
import { createEmailServices } from './services';

/** The `email` queue: single and bulk mail over pooled SMTP, backend notifications, the digest. */
export const emailFamily = defineFamily({
  queue: 'email',
  title: 'Email (SMTP)',
  tasks: [
    defineHandler(sendEmailTask, sendEmail),
    defineHandler(sendBulkEmailTask, sendBulkEmail),
    defineHandler(sendNotificationToBackendTask, sendNotificationToBackend),
    defineHandler(sendDailyDigestTask, sendDailyDigest),
  ],
  config: emailConfig,
  createServices: createEmailServices,
});
