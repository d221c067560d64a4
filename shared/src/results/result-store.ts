import type { Redis } from 'ioredis';
import type { ResultMeta } from './result-meta';

export interface ResultStoreOptions {
  /** Seconds a result stays (Celery `result_expires`). @default 86400 */
  readonly expiresSeconds?: number;
  /** Celery's `global_keyprefix`, prepended to every key. @default '' */
  readonly keyPrefix?: string;
}

/**
 * Results in Celery's exact Redis layout: `celery-task-meta-<id>` holds the JSON meta with a TTL,
 * and the same JSON is published on a channel of that name in the same MULTI, which is what a
 * Python `AsyncResult.get()` listens to. A second key records that a task reached a final
 * outcome, so a redelivered copy is recognised even when its result is ignored.
 */
export class RedisResultStore {
  private readonly expiresSeconds: number;
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    options: ResultStoreOptions = {},
  ) {
    this.expiresSeconds = options.expiresSeconds ?? 86_400;
    this.prefix = options.keyPrefix ?? '';
  }

  resultKey(taskId: string): string {
    return `${this.prefix}celery-task-meta-${taskId}`;
  }

  doneKey(taskId: string): string {
    return `${this.prefix}burrow-done-${taskId}`;
  }

  /**
   * Stores a meta atomically with its PUBLISH. `final` also records completion; `storeResult`
   * false (Celery `ignore_result`) records completion only.
   */
  async store(
    meta: ResultMeta,
    options: { final?: boolean; storeResult?: boolean; endAttempt?: boolean } = {},
  ): Promise<void> {
    const multi = this.redis.multi();
    if (options.final || options.endAttempt) multi.del(this.attemptsKey(meta.task_id));
    if (options.storeResult !== false) {
      const key = this.resultKey(meta.task_id);
      const json = JSON.stringify(meta);
      multi.set(key, json, 'EX', this.expiresSeconds).publish(key, json);
    }
    if (options.final)
      multi.set(this.doneKey(meta.task_id), meta.status, 'EX', this.expiresSeconds);
    const replies = await multi.exec();
    const failed = replies?.find(([err]) => err !== null);
    if (!replies || failed) throw failed?.[0] ?? new Error('Redis transaction was aborted');
  }

  attemptsKey(taskId: string): string {
    return `${this.prefix}burrow-attempts-${taskId}`;
  }

  /**
   * Counts an execution about to begin and returns how many have begun since the task's last
   * outcome. `store` with `final` or `endAttempt` resets it, so only executions that never
   * reached an outcome (the worker died) accumulate.
   */
  async beginAttempt(taskId: string): Promise<number> {
    const key = this.attemptsKey(taskId);
    const replies = await this.redis.multi().incr(key).expire(key, this.expiresSeconds).exec();
    const [err, count] = replies?.[0] ?? [new Error('Redis transaction was aborted'), 0];
    if (err) throw err;
    return Number(count);
  }

  /** True when the task already reached SUCCESS, FAILURE or REVOKED. */
  async isDone(taskId: string): Promise<boolean> {
    return (await this.redis.exists(this.doneKey(taskId))) === 1;
  }

  /** Forgets completion so a replayed dead letter runs again. */
  async forgetDone(taskId: string): Promise<void> {
    await this.redis.del(this.doneKey(taskId));
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
