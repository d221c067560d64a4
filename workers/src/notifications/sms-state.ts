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

/** An attempt that began sending and never learned whether Twilio took the message. */
export interface SendingSms {
  readonly sending: true;
  /** When that attempt called Twilio. */
  readonly since: Date;
}

/**
 * The message each SMS task already handed to Twilio, under its task id, so a retry or a
 * redelivery after a crash returns the first SID instead of texting the person again. Before
 * calling Twilio an attempt leaves a "sending" mark; a later attempt that finds the mark without
 * a SID knows the earlier one died mid-call and looks the message up before sending. Kept for
 * the result's lifetime; key `burrow-sms-<id>`.
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

  /** The message an earlier attempt of this task sent, or its unfinished mark, if any. */
  async load(taskId: string): Promise<SentSms | SendingSms | null> {
    const text = await this.redis.get(this.key(taskId));
    if (text === null) return null;
    const value = JSON.parse(text) as Partial<SentSms> & { sending_since?: string };
    if (typeof value.sid === 'string') return { sid: value.sid, status: value.status ?? '' };
    return { sending: true, since: new Date(value.sending_since ?? 0) };
  }

  /** Marks the call to Twilio as begun; an earlier mark keeps its (earlier) time. */
  async markSending(taskId: string, now = new Date()): Promise<void> {
    await this.redis.set(
      this.key(taskId),
      JSON.stringify({ sending_since: now.toISOString() }),
      'EX',
      this.ttl,
      'NX',
    );
  }

  /** Removes an unfinished mark (Twilio answered with an error: nothing was sent). */
  async clear(taskId: string): Promise<void> {
    const key = this.key(taskId);
    const text = await this.redis.get(key);
    if (text !== null && !text.includes('"sid"')) await this.redis.del(key);
  }

  /** Records the accepted message over the mark. */
  async record(taskId: string, sent: SentSms): Promise<void> {
    await this.redis.set(this.key(taskId), JSON.stringify(sent), 'EX', this.ttl);
  }
}
