export { startWorker, type RunningWorker, type WorkerSettings } from './worker';
export { catalogueDefinitions } from './handlers';
export { loadTaskModules } from './task-modules';
export { BackendClient, type BackendClientOptions } from './providers/backend-client';
export type { WorkerServices } from './services';
export { sendBulk } from './email/bulk-sender';
export { EmailState } from './email/email-state';
export { UNLIMITED } from './providers/fleet-rate-limiter';
export { SmtpMailer } from './providers/smtp-mailer';
