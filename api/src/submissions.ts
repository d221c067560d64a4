import type { Redis } from 'ioredis';

/** What the API remembers of a task it published, so a pending task is not "unknown". */
export interface Submission {
  readonly task_id: string;
  readonly name: string;
  readonly queue: string;
  readonly submitted_at: string;
  readonly eta: string | null;
  readonly expires: string | null;
  /** The API key's name. */
  readonly submitted_by: string;
}

/**
 * Submission records in Redis, kept as long as results are. Celery cannot tell an unknown id
 * from a pending one (both have no result key); with this record the API can answer 404 for
 * the first and 202 for the second.
 */
export class SubmissionStore {
  constructor(
    private readonly redis: Redis,
    private readonly options: { readonly keyPrefix: string; readonly ttlSeconds: number },
  ) {}

  async record(submission: Submission): Promise<void> {
    await this.redis.set(
      this.key(submission.task_id),
      JSON.stringify(submission),
      'EX',
      this.options.ttlSeconds,
    );
  }

  async forget(taskId: string): Promise<void> {
    await this.redis.del(this.key(taskId));
  }

  async get(taskId: string): Promise<Submission | null> {
    const json = await this.redis.get(this.key(taskId));
    return json === null ? null : (JSON.parse(json) as Submission);
  }

  private key(taskId: string): string {
    return `${this.options.keyPrefix}burrow-api-task-${taskId}`;
  }
}
