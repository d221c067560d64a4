import { sendSmsTask } from '@burrow/contracts';
import { defineHandler } from '@burrow/shared';
import { defineFamily } from '../family';
import { notificationsConfig } from './config';
import { sendSms } from './send-sms';
import { createNotificationServices } from './services';

/**
 * The `notifications` queue: SMS through Twilio. Push (FCM) and the backend's notification
 * queue keep their catalogue contracts and fail with NotImplementedError until they come.
 */
export const notificationsFamily = defineFamily({
  queue: 'notifications',
  title: 'Notifications (SMS via Twilio)',
  tasks: [defineHandler(sendSmsTask, sendSms)],
  config: notificationsConfig,
  createServices: (config, deps) => createNotificationServices(config, deps),
});
