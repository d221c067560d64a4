import type { Redis } from 'ioredis';

export interface JobStateOptions {
  /** REDIS_KEY_PREFIX. */
  readonly keyPrefix: string;
  /** How long a task's state outlives its last write (RESULT_EXPIRES). */
  readonly ttlSeconds: number;
}

/**
 * What a long data task has committed so far (pages of a report, chunks of an import), kept in
 * Redis under the task id, so a redelivery after a crash or a continuation after the soft limit
 * resumes where the last commit left off. One JSON value per task and kind; the task writes it
 * only after the step it records is durable (file flushed, chunk accepted by the backend).
 */
export class JobState<T> {
  constructor(
    private readonly redis: Redis,
    private readonly kind: string,
    private readonly options: JobStateOptions,
  ) {}

  async get(taskId: string): Promise<T | null> {
    const text = await this.redis.get(this.key(taskId));
    return text === null ? null : (JSON.parse(text) as T);
  }

  async set(taskId: string, state: T): Promise<void> {
    await this.redis.set(this.key(taskId), JSON.stringify(state), 'EX', this.options.ttlSeconds);
  }

  async delete(taskId: string): Promise<void> {
    await this.redis.del(this.key(taskId));
  }

  /** Stores `state` unless a value is there already; returns the one that is kept. */
  async setOnce(taskId: string, state: T): Promise<T> {
    const kept = await this.redis.set(
      this.key(taskId),
      JSON.stringify(state),
      'EX',
      this.options.ttlSeconds,
      'NX',
    );
    if (kept === 'OK') return state;
    return (await this.get(taskId)) ?? state;
  }

  private key(taskId: string): string {
    return `${this.options.keyPrefix}burrow-${this.kind}-${taskId}`;
  }
}
