export {
  apiConfigFragment,
  loadApiConfig,
  parseKeys,
  type ApiConfig,
  type ApiKeyConfig,
  type DashboardConfig,
} from './api-config';
export { KeyRing, hashKey, ANONYMOUS, type Caller } from './api-keys';
export { ApiMetrics } from './api-metrics';
export { buildApiServer, type ApiServerDeps } from './api-server';
export { runApiProcess, type ApiProcess } from './api-process';
export { IdempotencyStore, fingerprint } from './idempotency';
export { renderOpenApi } from './openapi';
export { renderDocsPage } from './routes/docs-routes';
export { RateLimiter } from './rate-limiter';
export { ResultWaiter } from './result-waiter';
export { SubmissionStore, type Submission } from './submissions';
export { TaskNames, TASK_ALIASES } from './task-names';
export { parseSubmitOptions } from './submit-options';
export { fieldErrors, type FieldError } from './validation-errors';
export { startDashboard, type Dashboard, type DashboardSources } from './dashboard/dashboard';
export {
  managementTarget,
  parseQueues,
  taskQueueRows,
  type QueueRow,
  type QueueStats,
} from './dashboard/management-api';
export {
  foldTaskEvents,
  matchTasks,
  type StoredTaskEvent,
  type TaskSummary,
} from './dashboard/task-fold';
export { TaskHistory, parseEntry } from './dashboard/task-history';
export { WorkerRegistry, beatOf, workerStatus, type WorkerBeat } from './dashboard/worker-registry';
export { workerDetails } from './dashboard/fleet-control';
export { parseEvents, EVENT_QUEUE } from './dashboard/event-feed';
export { escapeHtml } from './dashboard/html';
export { tasksTable, workersTable, deadLettersTable } from './dashboard/panels';
