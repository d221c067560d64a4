import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';

/**
 * How a task is retried after a retryable failure. Celery's autoretry settings are the model:
 * delay = min(backoffMaxSeconds, backoffSeconds × 2^retries), then uniform in [0, delay] with jitter.
 */
export interface RetryPolicy {
  /** Retries after the first attempt; 0 disables retries. @default 3 */
  readonly maxRetries: number;
  /** Backoff factor in seconds (Celery `retry_backoff`). @default 1 */
  readonly backoffSeconds: number;
  /** Upper bound of one delay (Celery `retry_backoff_max`). @default 600 */
  readonly backoffMaxSeconds: number;
  /** Spread delays over [0, delay] so retries of a burst do not arrive together. @default true */
  readonly jitter: boolean;
}

/** Defaults a task runs with unless the message or call overrides them. */
export interface TaskDefaults {
  readonly retry: RetryPolicy;
  /** Soft limit: the handler's AbortSignal fires. @default 300 */
  readonly softTimeLimitSeconds: number;
  /** Hard limit: the attempt fails even if the handler ignores its signal. @default 360 */
  readonly hardTimeLimitSeconds: number;
  /** Seconds after publish when a not-yet-run message is revoked instead of run; null = never. */
  readonly expiresSeconds: number | null;
}

/**
 * One task of the catalogue: everything a publisher in any language and a worker must agree on.
 * `params` is the positional order that Celery `args` map onto (`send_task(name, args=[...])`).
 */
export interface TaskContract<K extends TObject = TObject, R extends TSchema = TSchema> {
  readonly name: string;
  readonly queue: string;
  readonly description: string;
  /** Names of kwargs properties, in positional order (checked by `defineTask`). */
  readonly params: readonly string[];
  readonly kwargs: K;
  readonly result: R;
  readonly defaults: TaskDefaults;
}

export type KwargsOf<C extends TaskContract> = Static<C['kwargs']>;
export type ResultOf<C extends TaskContract> = Static<C['result']>;

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxRetries: 3,
  backoffSeconds: 1,
  backoffMaxSeconds: 600,
  jitter: true,
});

export const DEFAULT_TASK_DEFAULTS: TaskDefaults = Object.freeze({
  retry: DEFAULT_RETRY_POLICY,
  softTimeLimitSeconds: 300,
  hardTimeLimitSeconds: 360,
  expiresSeconds: null,
});

export interface TaskContractInput<K extends TObject, R extends TSchema> {
  name: string;
  queue: string;
  description: string;
  params: readonly (keyof Static<K> & string)[];
  kwargs: K;
  result: R;
  defaults?: Partial<Omit<TaskDefaults, 'retry'>> & { retry?: Partial<RetryPolicy> };
}

/** Builds a frozen contract, filling defaults, and checks that `params` name real kwargs. */
export function defineTask<K extends TObject, R extends TSchema>(
  input: TaskContractInput<K, R>,
): TaskContract<K, R> {
  const known = new Set(Object.keys(input.kwargs.properties));
  for (const param of input.params) {
    if (!known.has(param)) {
      throw new Error(`task ${input.name}: positional param "${param}" is not a kwargs property`);
    }
  }
  const { retry, ...rest } = input.defaults ?? {};
  const defaults: TaskDefaults = Object.freeze({
    ...DEFAULT_TASK_DEFAULTS,
    ...rest,
    retry: Object.freeze({ ...DEFAULT_RETRY_POLICY, ...retry }),
  });
  if (defaults.softTimeLimitSeconds > defaults.hardTimeLimitSeconds) {
    throw new Error(`task ${input.name}: soft time limit exceeds the hard one`);
  }
  return Object.freeze({ ...input, defaults });
}

/** Result schema for tasks whose result is free-form JSON. */
export const AnyJson = Type.Unknown();
