import type { Redis } from 'ioredis';
import type { ExceptionInfo } from '../results';

/**
 * What a finished task hands its follow-ups, kept in Redis from before its outcome is stored
 * until its follow-ups are published: a redelivery after a crash in between publishes them from
 * this record, with the same result, even when the task's result itself is not stored.
 */
export type FinishedState =
  | { readonly state: 'SUCCESS'; readonly result: unknown }
  | { readonly state: 'FAILURE' | 'REVOKED'; readonly error: ExceptionInfo };

/** One header task's entry in a chord, as Celery's Redis backend writes it. */
export interface ChordPart {
  readonly taskId: string;
  /** A Celery state; Python workers may write custom ones. */
  readonly state: string;
  /** The result, or the exception as `{exc_type, exc_message, exc_module}`. */
  readonly result: unknown;
}

/** What adding a part told us: not complete yet, or complete and ours to fire. */
export type ChordProgress =
  { readonly fire: false } | { readonly fire: true; readonly parts: ChordPart[] };

/*
 * RedisBackend.on_chord_part_return (celery/backends/redis.py, 5.2) in one script: ZADD the part
 * [1, id, state, result] into `<gid>.j` scored by group_index, count the parts, read the `.t`
 * adjustment and the `.s` size the client stored, refresh the TTLs. When the count reaches the
 * size, the firer is claimed once (`burrow-chord-fired-<gid>`, NX): Python workers only ever
 * see the count, and among burrow workers only the claimer — or its own redelivery — sends the
 * body. The part is a set member, so a redelivered part adds nothing.
 */
const CHORD_PART_SCRIPT = `
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
local n = redis.call('ZCOUNT', KEYS[1], '-inf', '+inf')
local adjust = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
local size = redis.call('GET', KEYS[3])
local ttl = tonumber(ARGV[3])
if ttl > 0 then
  redis.call('EXPIRE', KEYS[1], ttl)
  redis.call('EXPIRE', KEYS[2], ttl)
  redis.call('EXPIRE', KEYS[3], ttl)
end
if not size then return {0} end
if n ~= tonumber(size) + adjust then return {0} end
local claimed
if ttl > 0 then
  claimed = redis.call('SET', KEYS[4], ARGV[4], 'NX', 'EX', ttl)
else
  claimed = redis.call('SET', KEYS[4], ARGV[4], 'NX')
end
if not claimed and redis.call('GET', KEYS[4]) ~= ARGV[4] then return {0} end
return {1, redis.call('ZRANGE', KEYS[1], 0, -1)}`;

interface ScriptedRedis extends Redis {
  burrowChordPart(
    joined: string,
    adjust: string,
    size: string,
    fired: string,
    member: string,
    score: string,
    ttl: number,
    taskId: string,
  ): Promise<[number, string[]?]>;
}

const SENT = 'sent';

/** Redis keys of the canvas: the per-task follow-up record and Celery's chord keys. */
export class CanvasStore {
  private readonly scripted: ScriptedRedis;

  constructor(
    private readonly redis: Redis,
    private readonly options: { readonly keyPrefix: string; readonly expiresSeconds: number },
  ) {
    redis.defineCommand('burrowChordPart', { numberOfKeys: 4, lua: CHORD_PART_SCRIPT });
    this.scripted = redis as ScriptedRedis;
  }

  /** Celery's `celery-taskset-meta-<gid><suffix>` (GroupResult.save and the chord keys). */
  groupKey(groupId: string, suffix = ''): string {
    return `${this.options.keyPrefix}celery-taskset-meta-${groupId}${suffix}`;
  }

  private recordKey(taskId: string): string {
    return `${this.options.keyPrefix}burrow-canvas-${taskId}`;
  }

  /** Throws (before any Redis call) when the result cannot be written as JSON. */
  async recordFinished(taskId: string, finished: FinishedState): Promise<void> {
    await this.setWithTtl(this.recordKey(taskId), JSON.stringify(finished));
  }

  /** Follow-ups of this task are published: a redelivery publishes none. */
  async markSent(taskId: string): Promise<void> {
    await this.setWithTtl(this.recordKey(taskId), SENT);
  }

  /** The record a redelivery resumes from; null when nothing is left to publish. */
  async unsent(taskId: string): Promise<FinishedState | null> {
    const value = await this.redis.get(this.recordKey(taskId));
    if (value === null || value === SENT) return null;
    return JSON.parse(value) as FinishedState;
  }

  /** Adds one header task's outcome to its chord (see CHORD_PART_SCRIPT). */
  async addChordPart(
    groupId: string,
    groupIndex: number | null,
    part: ChordPart,
  ): Promise<ChordProgress> {
    const member = JSON.stringify([1, part.taskId, part.state, part.result]);
    const [fire, members] = await this.scripted.burrowChordPart(
      this.groupKey(groupId, '.j'),
      this.groupKey(groupId, '.t'),
      this.groupKey(groupId, '.s'),
      `${this.options.keyPrefix}burrow-chord-fired-${groupId}`,
      member,
      groupIndex === null ? '+inf' : String(groupIndex),
      this.options.expiresSeconds,
      part.taskId,
    );
    if (fire !== 1 || !members) return { fire: false };
    return { fire: true, parts: members.map(decodePart) };
  }

  /** After the body is sent, as Celery does: the chord's keys go. */
  async forgetChord(groupId: string): Promise<void> {
    await this.redis.del(
      this.groupKey(groupId, '.j'),
      this.groupKey(groupId, '.t'),
      this.groupKey(groupId, '.s'),
    );
  }

  private async setWithTtl(key: string, value: string): Promise<void> {
    const ttl = this.options.expiresSeconds;
    if (ttl > 0) await this.redis.set(key, value, 'EX', ttl);
    else await this.redis.set(key, value);
  }
}

function decodePart(member: string): ChordPart {
  const [, taskId, state, result] = JSON.parse(member) as [number, string, string, unknown];
  return { taskId, state, result };
}
