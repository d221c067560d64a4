import type { Redis } from 'ioredis';

export interface SmsStateOptions {
  /** REDIS_KEY_PREFIX. @default '' */
  readonly keyPrefix?: string;
  /** Lifetime of the record, as the task's result (RESULT_EXPIRES). @default 86400 */
  readonly ttlSeconds?: number;
}

/** What Twilio answered when it accepted a task's message. */
export interface SentSms {
  readonly sid: string;
  readonly status: string;
}

/**
 * The message each SMS task already handed to Twilio, under its task id, so a retry or a
 * redelivery after a crash returns the first SID instead of texting the person again. Kept for
 * the result's lifetime; key `burrow-sms-<task id>`.
 */
export class SmsState {
  private readonly prefix: string;
  private readonly ttl: number;

  constructor(
    private readonly redis: Redis,
    options: SmsStateOptions = {},
  ) {
    this.prefix = options.keyPrefix ?? '';
    this.ttl = options.ttlSeconds ?? 86_400;
  }

  key(taskId: string): string {
    return `${this.prefix}burrow-sms-${taskId}`;
  }

  /** The message an earlier attempt of this task sent, if any. */
  async load(taskId: string): Promise<SentSms | null> {
    const text = await this.redis.get(this.key(taskId));
    return text === null ? null : (JSON.parse(text) as SentSms);
  }

  /** Records the accepted message; the first record wins, so a SID is never replaced. */
  async record(taskId: string, sent: SentSms): Promise<void> {
    await this.redis.set(this.key(taskId), JSON.stringify(sent), 'EX', this.ttl, 'NX');
  }
}
