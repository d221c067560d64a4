import type { Redis } from 'ioredis';

/** A token's settled outcome: delivered, or failed in a way a retry cannot change. */
export type SettledToken =
  | { readonly outcome: 'delivered' }
  | { readonly outcome: 'invalid' | 'failed'; readonly code: string };

/** What earlier attempts of one push left behind. */
export interface PushProgress {
  /** The device tokens resolved from user_id by the first attempt, if it had to. */
  readonly devices: readonly string[] | null;
  readonly settled: ReadonlyMap<string, SettledToken>;
  /** Invalid tokens the backend has already been told about. */
  readonly reported: ReadonlySet<string>;
}

export interface PushStateOptions {
  /** REDIS_KEY_PREFIX. @default '' */
  readonly keyPrefix?: string;
  /** Lifetime of the record, as the task's result (RESULT_EXPIRES). @default 86400 */
  readonly ttlSeconds?: number;
}

const DEVICES = 'devices';
const TOKEN = 't:';
const REPORTED = 'r:';

/**
 * Per push (a task id, or a queued notification's id), every token whose outcome is settled,
 * written after each multicast: a retry or a redelivery sends to the other tokens only, so no
 * device gets the notification twice from a completed multicast. One hash per push,
 * `burrow-push-<id>`, kept as long as results are.
 */
export class PushState {
  private readonly prefix: string;
  private readonly ttl: number;

  constructor(
    private readonly redis: Redis,
    options: PushStateOptions = {},
  ) {
    this.prefix = options.keyPrefix ?? '';
    this.ttl = options.ttlSeconds ?? 86_400;
  }

  key(pushId: string): string {
    return `${this.prefix}burrow-push-${pushId}`;
  }

  async load(pushId: string): Promise<PushProgress> {
    const fields = await this.redis.hgetall(this.key(pushId));
    const settled = new Map<string, SettledToken>();
    const reported = new Set<string>();
    let devices: string[] | null = null;
    for (const [field, value] of Object.entries(fields)) {
      if (field === DEVICES) devices = JSON.parse(value) as string[];
      else if (field.startsWith(REPORTED)) reported.add(field.slice(REPORTED.length));
      else if (field.startsWith(TOKEN)) settled.set(field.slice(TOKEN.length), parseSettled(value));
    }
    return { devices, settled, reported };
  }

  /** Keeps the tokens resolved for a user, so every attempt sends to the same devices. */
  async recordDevices(pushId: string, devices: readonly string[]): Promise<void> {
    await this.write(pushId, DEVICES, JSON.stringify(devices));
  }

  async recordSettled(pushId: string, tokens: ReadonlyMap<string, SettledToken>): Promise<void> {
    if (tokens.size === 0) return;
    const pairs: string[] = [];
    for (const [token, settled] of tokens)
      pairs.push(
        TOKEN + token,
        settled.outcome === 'delivered' ? 'delivered' : `${settled.outcome}:${settled.code}`,
      );
    await this.write(pushId, ...pairs);
  }

  async recordReported(pushId: string, tokens: readonly string[]): Promise<void> {
    if (tokens.length === 0) return;
    await this.write(pushId, ...tokens.flatMap((token) => [REPORTED + token, '1']));
  }

  private async write(pushId: string, ...pairs: string[]): Promise<void> {
    const key = this.key(pushId);
    await this.redis
      .multi()
      .hset(key, ...pairs)
      .expire(key, this.ttl)
      .exec();
  }
}

function parseSettled(value: string): SettledToken {
  if (value === 'delivered') return { outcome: 'delivered' };
  const colon = value.indexOf(':');
  const outcome = value.slice(0, colon) === 'invalid' ? 'invalid' : 'failed';
  return { outcome, code: value.slice(colon + 1) };
}
