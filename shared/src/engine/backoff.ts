import type { RetryOverride, RetryPolicy } from '@burrow/contracts';

/**
 * Seconds to wait before retry number `retries + 1`, as Celery's autoretry computes it:
 * min(max, factor × 2^retries), then uniform in [0, that] with jitter. Never below 1 s, since
 * delays are whole seconds. `random` is injectable for tests.
 */
export function retryDelaySeconds(
  policy: RetryPolicy,
  retries: number,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(policy.backoffMaxSeconds, policy.backoffSeconds * 2 ** retries);
  const delay = policy.jitter ? random() * exponential : exponential;
  return Math.max(1, Math.ceil(delay));
}

/** The task's policy with a message's per-call override applied. */
export function effectiveRetryPolicy(
  policy: RetryPolicy,
  override: RetryOverride | null,
): RetryPolicy {
  if (!override) return policy;
  return {
    maxRetries: override.max_retries ?? policy.maxRetries,
    backoffSeconds: override.backoff ?? policy.backoffSeconds,
    backoffMaxSeconds: override.backoff_max ?? policy.backoffMaxSeconds,
    jitter: override.jitter ?? policy.jitter,
  };
}
