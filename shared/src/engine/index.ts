export { TaskConsumer, type TaskConsumerOptions } from './task-consumer';
export {
  TaskRegistry,
  defineHandler,
  type AnyTaskHandler,
  type TaskDefinition,
  type TaskHandler,
  type RegisteredTask,
} from './task-registry';
export { type TaskContext, type TaskRunContext, retryTask } from './task-context';
export { retryDelaySeconds } from './backoff';
export { runWithTimeLimits, SoftTimeLimitExceeded } from './run-handler';
export type { Outcome, Attempt } from './outcome';
export { exceptionInfo } from './outcome';
