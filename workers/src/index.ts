export { startWorker, type RunningWorker, type WorkerSettings } from './worker';
export { catalogueDefinitions } from './handlers';
export { loadTaskModules } from './task-modules';
export { BackendClient, type BackendClientOptions } from './providers/backend-client';
export type { WorkerServices } from './services';
