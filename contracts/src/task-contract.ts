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
  /**
   * How callers of the Python Celery service that burrow replaces call this task, in Python
   * syntax: a backend `celery_client` helper such as `send_push_notification(user_tokens, title,
   * body)`, or `send_daily_digest_task()` for a beat entry. Its arguments are the first `params`,
   * in order (checked by `defineTask`), so those calls bind unchanged. Absent when unknown.
   */
  readonly seedCall?: string;
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
  seedCall?: string;
}

/** The argument names of a Python call `name(a, b, c)`, or null if it is not one. */
function seedCallArguments(call: string): string[] | null {
  const match = /^[A-Za-z_][\w.]*\(([^()]*)\)$/.exec(call.trim());
  if (match === null) return null;
  const inside = (match[1] ?? '').trim();
  return inside === '' ? [] : inside.split(',').map((name) => name.trim());
}

/** The parts of a contract that say how a call binds. */
type Signature = Pick<TaskContract, 'name' | 'params' | 'kwargs' | 'seedCall'>;

function checkParams(input: Signature): void {
  const known = new Set(Object.keys(input.kwargs.properties));
  const seen = new Set<string>();
  for (const param of input.params) {
    if (!known.has(param)) {
      throw new Error(`task ${input.name}: positional param "${param}" is not a kwargs property`);
    }
    if (seen.has(param))
      throw new Error(`task ${input.name}: positional param "${param}" is listed twice`);
    seen.add(param);
  }
}

function checkSeedCall(input: Signature): void {
  if (input.seedCall === undefined) return;
  const names = seedCallArguments(input.seedCall);
  if (names === null) {
    throw new Error(`task ${input.name}: seedCall "${input.seedCall}" is not a call name(a, b)`);
  }
  const leading = input.params.slice(0, names.length);
  if (names.join(',') !== leading.join(',')) {
    throw new Error(
      `task ${input.name}: seedCall "${input.seedCall}" passes (${names.join(', ')}) but params begin (${leading.join(', ')})`,
    );
  }
}

/**
 * Builds a frozen contract, filling defaults, and checks that `params` name real kwargs, once
 * each, and begin with the seed call's arguments. Unlike a Python `def`, an optional param may
 * come before a required one: push takes `user_tokens` first, though `user_id` may replace it.
 */
export function defineTask<K extends TObject, R extends TSchema>(
  input: TaskContractInput<K, R>,
): TaskContract<K, R> {
  checkParams(input);
  checkSeedCall(input);
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
