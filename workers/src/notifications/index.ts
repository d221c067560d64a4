import {
  processNotificationQueueTask,
  sendPushNotificationTask,
  sendSmsTask,
} from '@burrow/contracts';
import { defineHandler } from '@burrow/shared';
import { defineFamily } from '../family';
import { notificationsConfig } from './config';
import { processNotificationQueue } from './process-notification-queue';
import { sendPush } from './send-push';
import { sendSms } from './send-sms';
import { createNotificationServices } from './services';

/** The `notifications` queue: push through FCM, SMS through Twilio, the backend's queue of both. */
export const notificationsFamily = defineFamily({
  queue: 'notifications',
  title: 'Notifications (push via FCM, SMS via Twilio)',
  tasks: [
    defineHandler(sendPushNotificationTask, sendPush),
    defineHandler(sendSmsTask, sendSms),
    defineHandler(processNotificationQueueTask, processNotificationQueue),
  ],
  config: notificationsConfig,
  createServices: (config, deps) => createNotificationServices(config, deps),
});
