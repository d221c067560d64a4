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
export { ContinueLater, type ContinueLaterOptions } from './continue-later';
export { retryDelaySeconds } from './backoff';
export { AttemptAbort, runWithTimeLimits, SoftTimeLimitExceeded } from './run-handler';
export { outcomeOfThrow, MAX_HARD_TIME_LIMIT_SECONDS, type ThrowContext } from './run-attempt';
export { RedisUnavailableError, DEFAULT_REDIS_BUDGET_SECONDS } from './redis-budget';
export type { SettleDecision } from './settle';
export type {
  Outcome,
  DeadOutcome,
  DuplicateOutcome,
  RequeueOutcome,
  Attempt,
  DecodedAttempt,
  UndecodedAttempt,
  Decided,
} from './outcome';
export { exceptionInfo } from './outcome';
export { TaskTracker, TaskTerminated, type TrackedTask } from './task-tracker';
export type { TaskObserver } from './task-observer';
export { TaskOverrides, parseRate } from './task-overrides';
