export {
  TaskClient,
  TaskFailedError,
  type SendOptions,
  type TaskClientOptions,
} from './task-client';
