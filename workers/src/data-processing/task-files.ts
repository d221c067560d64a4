import type { TaskContract } from '@burrow/contracts';

/** A task id as a file name: anything but letters, digits, `.`, `_` and `-` becomes `_`. */
export function safeName(taskId: string): string {
  return taskId
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, 200);
}

/**
 * The gap between a task's soft and hard limits, in ms: how long a thread job may go on after
 * the soft limit's abort before its thread is terminated, so it dies at the hard limit.
 */
export function softToHardMs(contract: TaskContract): number {
  const { softTimeLimitSeconds, hardTimeLimitSeconds } = contract.defaults;
  return Math.max(0, hardTimeLimitSeconds - softTimeLimitSeconds) * 1000;
}

/**
 * Did the work stop because the task's signal aborted for a reason to continue later (soft
 * limit, shutdown)? A revoke with terminate is not one: that attempt is over for good.
 */
export function stoppedEarly(signal: AbortSignal): boolean {
  if (!signal.aborted) return false;
  return (signal.reason as { code?: unknown } | undefined)?.code !== 'terminated';
}
