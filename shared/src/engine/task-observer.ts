import type { Attempt, Outcome } from './outcome';
import type { TrackedTask } from './task-tracker';

/**
 * Hears a delivery's life in the consumer (task events). Called on the task path: an observer
 * that has nothing to do (events off) must return at once, and none may throw.
 */
export interface TaskObserver {
  received(task: TrackedTask): void;
  started(task: TrackedTask): void;
  settled(task: TrackedTask | undefined, outcome: Outcome, attempt: Attempt): void;
  /** Handed back to the broker without an outcome. */
  requeued(task: TrackedTask | undefined, reason: string): void;
}
