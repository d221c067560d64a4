import type { Redis } from 'ioredis';
import { PermanentError } from '../errors';
import type { ResultMeta } from './result-meta';

/**
 * A meta that cannot be written as JSON (a BigInt, a cycle, a throwing toJSON). Nothing reached
 * Redis, and trying again cannot help; Celery raises kombu's EncodeError for the same thing.
 */
export class ResultEncodeError extends PermanentError {
  constructor(taskId: string, cause: unknown) {
    super(
      `the result of task ${taskId} cannot be stored as JSON: ${(cause as Error)?.message ?? String(cause)}`,
      'result_not_serializable',
      { cause },
    );
  }
}

export interface ResultStoreOptions {
  /** Seconds a result stays (Celery `result_expires`). @default 86400 */
  readonly expiresSeconds?: number;
  /** Celery's `global_keyprefix`, prepended to every key. @default '' */
  readonly keyPrefix?: string;
}

export interface StoreOptions {
  /** Record completion: a redelivered copy is then skipped. */
  readonly final?: boolean;
  /** False for Celery `ignore_result`: record completion only. @default true */
  readonly storeResult?: boolean;
  /** Reset the count of executions begun (the attempt reached an outcome). */
  readonly endAttempt?: boolean;
}

/*
 * One script per hot-path call: a task costs the worker two Redis commands instead of eleven.
 * Scripts are atomic, so the SET and the PUBLISH a Python AsyncResult.get() waits on still
 * happen together, as in Celery's MULTI. Keys of one task share its id (no cluster hash tags:
 * the deployment model is Redis with replication).
 */
const STORE_SCRIPT = `
if ARGV[1] ~= '' then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  redis.call('PUBLISH', KEYS[1], ARGV[1])
end
if ARGV[3] ~= '' then redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[2]) end
if ARGV[4] == '1' then redis.call('DEL', KEYS[3]) end
return 1`;

const BEGIN_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
local n = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[1])
return n`;

interface ScriptedRedis extends Redis {
  burrowStore(
    result: string,
    done: string,
    attempts: string,
    json: string,
    ttl: number,
    status: string,
    endAttempt: string,
  ): Promise<number>;
  burrowBegin(done: string, attempts: string, ttl: number): Promise<number>;
}

/**
 * Results in Celery's exact Redis layout: `celery-task-meta-<id>` holds the JSON meta with a TTL,
 * and the same JSON is published on a channel of that name atomically, which is what a Python
 * `AsyncResult.get()` listens to. Two more keys per task: completion (so a redelivered copy is
 * recognised even when its result is ignored) and executions begun without an outcome (so a
 * message that keeps killing workers is recognised).
 */
export class RedisResultStore {
  /** Seconds every key written here lives; chord and canvas keys use it too. */
  readonly expiresSeconds: number;
  private readonly prefix: string;
  private readonly scripted: ScriptedRedis;

  constructor(
    private readonly redis: Redis,
    options: ResultStoreOptions = {},
  ) {
    this.expiresSeconds = options.expiresSeconds ?? 86_400;
    this.prefix = options.keyPrefix ?? '';
    // defineCommand registers on this client only; it is idempotent per name.
    redis.defineCommand('burrowStore', { numberOfKeys: 3, lua: STORE_SCRIPT });
    redis.defineCommand('burrowBegin', { numberOfKeys: 2, lua: BEGIN_SCRIPT });
    this.scripted = redis as ScriptedRedis;
  }

  /** Celery's `global_keyprefix` as configured: keys of other kinds (chords) share it. */
  get keyPrefix(): string {
    return this.prefix;
  }

  resultKey(taskId: string): string {
    return `${this.prefix}celery-task-meta-${taskId}`;
  }

  doneKey(taskId: string): string {
    return `${this.prefix}burrow-done-${taskId}`;
  }

  attemptsKey(taskId: string): string {
    return `${this.prefix}burrow-attempts-${taskId}`;
  }

  /**
   * Stores a meta and publishes it atomically, with the completion bookkeeping asked for.
   * Throws ResultEncodeError, before any Redis call, when the meta cannot be written as JSON.
   */
  async store(meta: ResultMeta, options: StoreOptions = {}): Promise<void> {
    const id = meta.task_id;
    const json = options.storeResult === false ? '' : encodeMeta(meta);
    await this.scripted.burrowStore(
      this.resultKey(id),
      this.doneKey(id),
      this.attemptsKey(id),
      json,
      this.expiresSeconds,
      options.final ? meta.status : '',
      options.final || options.endAttempt ? '1' : '0',
    );
  }

  /**
   * Called when a delivery is about to be worked on. Returns null when the task already reached
   * a final outcome, else how many executions have begun since its last outcome (this one
   * included); only executions that never reached an outcome (the worker died) accumulate.
   */
  async beginAttempt(taskId: string): Promise<number | null> {
    const count = await this.scripted.burrowBegin(
      this.doneKey(taskId),
      this.attemptsKey(taskId),
      this.expiresSeconds,
    );
    return count < 0 ? null : count;
  }

  /** Takes back a `beginAttempt` whose execution did not start after all. */
  async abandonAttempt(taskId: string): Promise<void> {
    await this.redis.decr(this.attemptsKey(taskId));
  }

  /** True when the task already reached SUCCESS, FAILURE or REVOKED. */
  async isDone(taskId: string): Promise<boolean> {
    return (await this.redis.exists(this.doneKey(taskId))) === 1;
  }

  /** Forgets completion so a replayed dead letter runs again. */
  async forgetDone(taskId: string): Promise<void> {
    await this.redis.del(this.doneKey(taskId), this.attemptsKey(taskId));
  }

  /** Metas of many tasks in one round trip, in the order asked (null = PENDING). */
  async getMany(taskIds: readonly string[]): Promise<(ResultMeta | null)[]> {
    if (taskIds.length === 0) return [];
    const values = await this.redis.mget(taskIds.map((id) => this.resultKey(id)));
    return values.map((json) => (json === null ? null : (JSON.parse(json) as ResultMeta)));
  }

  async get(taskId: string): Promise<ResultMeta | null> {
    const json = await this.redis.get(this.resultKey(taskId));
    return json === null ? null : (JSON.parse(json) as ResultMeta);
  }
}

function encodeMeta(meta: ResultMeta): string {
  try {
    return JSON.stringify(meta);
  } catch (err) {
    throw new ResultEncodeError(meta.task_id, err);
  }
}
