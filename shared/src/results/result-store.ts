import type { Redis } from 'ioredis';
import { PermanentError } from '../errors';
import type { ResultMeta } from './result-meta';
import { TurnBatch } from './turn-batch';

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
 * Two scripts on the hot path, each taking every task that reached it in the same turn of the
 * event loop (see TurnBatch): a burst of N tasks costs the worker two Redis calls, not 2·N (and
 * not the eleven commands per task of doing it command by command). A script is atomic, so the
 * SET and the PUBLISH a Python AsyncResult.get() waits on still happen together, as in Celery's
 * MULTI, and one task's calls run in the order they were made. Keys of one task share its id
 * (no cluster hash tags: the deployment model is Redis with replication).
 *
 * BEGIN: KEYS = (done, attempts) per task, ARGV[1] = ttl; answers -1 (done) or the count.
 * STORE: KEYS = (result, done, attempts) per task, ARGV[1] = ttl, then (json, status,
 * endAttempt) per task; an empty json stores no result, an empty status marks nothing done.
 */
const BEGIN_SCRIPT = `
local out = {}
for i = 1, #KEYS, 2 do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    out[#out + 1] = -1
  else
    out[#out + 1] = redis.call('INCR', KEYS[i + 1])
    redis.call('EXPIRE', KEYS[i + 1], ARGV[1])
  end
end
return out`;

const STORE_SCRIPT = `
local ttl = ARGV[1]
for t = 0, #KEYS / 3 - 1 do
  local k, a = t * 3, 1 + t * 3
  local json, status = ARGV[a + 1], ARGV[a + 2]
  if json ~= '' then
    redis.call('SET', KEYS[k + 1], json, 'EX', ttl)
    redis.call('PUBLISH', KEYS[k + 1], json)
  end
  if status ~= '' then redis.call('SET', KEYS[k + 2], status, 'EX', ttl) end
  if ARGV[a + 3] == '1' then redis.call('DEL', KEYS[k + 3]) end
end
return #KEYS / 3`;

interface ScriptedRedis extends Redis {
  /** numkeys, keys…, argv… */
  burrowStoreMany(...args: (string | number)[]): Promise<number>;
  burrowBeginMany(...args: (string | number)[]): Promise<number[]>;
}

/** One task's part of a STORE call. */
interface StoreItem {
  readonly taskId: string;
  readonly json: string;
  readonly status: string;
  readonly endAttempt: boolean;
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
  private readonly begins: TurnBatch<string, number>;
  private readonly stores: TurnBatch<StoreItem, void>;

  constructor(
    private readonly redis: Redis,
    options: ResultStoreOptions = {},
  ) {
    this.expiresSeconds = options.expiresSeconds ?? 86_400;
    this.prefix = options.keyPrefix ?? '';
    // defineCommand registers on this client only; it is idempotent per name. No
    // numberOfKeys: the first argument of each call says how many keys it has.
    redis.defineCommand('burrowStoreMany', { lua: STORE_SCRIPT });
    redis.defineCommand('burrowBeginMany', { lua: BEGIN_SCRIPT });
    this.scripted = redis as ScriptedRedis;
    this.begins = new TurnBatch((ids) => this.beginMany(ids));
    this.stores = new TurnBatch((items) => this.storeMany(items));
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
    const json = options.storeResult === false ? '' : encodeMeta(meta);
    await this.stores.add({
      taskId: meta.task_id,
      json,
      status: options.final ? meta.status : '',
      endAttempt: options.final === true || options.endAttempt === true,
    });
  }

  /**
   * Called when a delivery is about to be worked on. Returns null when the task already reached
   * a final outcome, else how many executions have begun since its last outcome (this one
   * included); only executions that never reached an outcome (the worker died) accumulate.
   */
  async beginAttempt(taskId: string): Promise<number | null> {
    const count = await this.begins.add(taskId);
    return count < 0 ? null : count;
  }

  private async beginMany(taskIds: readonly string[]): Promise<number[]> {
    const keys: string[] = [];
    for (const id of taskIds) keys.push(this.doneKey(id), this.attemptsKey(id));
    return this.scripted.burrowBeginMany(keys.length, ...keys, this.expiresSeconds);
  }

  private async storeMany(items: readonly StoreItem[]): Promise<void[]> {
    const keys: string[] = [];
    const args: string[] = [];
    for (const item of items) {
      const id = item.taskId;
      keys.push(this.resultKey(id), this.doneKey(id), this.attemptsKey(id));
      args.push(item.json, item.status, item.endAttempt ? '1' : '0');
    }
    await this.scripted.burrowStoreMany(keys.length, ...keys, this.expiresSeconds, ...args);
    return new Array<void>(items.length);
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
