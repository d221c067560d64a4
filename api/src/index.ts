export {
  apiConfigFragment,
  loadApiConfig,
  parseKeys,
  type ApiConfig,
  type ApiKeyConfig,
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
