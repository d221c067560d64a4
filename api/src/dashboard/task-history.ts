import type { Redis } from 'ioredis';
import type { EventFields } from '@burrow/shared';
import {
  foldTaskEvents,
  matchTasks,
  type StoredTaskEvent,
  type TaskQuery,
  type TaskSummary,
} from './task-fold';

export interface TaskHistoryOptions {
  readonly keyPrefix: string;
  /** Events kept (approximately: `XADD … MAXLEN ~`). */
  readonly maxLength: number;
  /** How long one read of the stream serves searches, in ms. @default 1000 */
  readonly cacheMs?: number;
  readonly now?: () => number;
}

/** Fields copied into the stream besides uuid, type, time and hostname. */
const KEPT = [
  'name',
  'args',
  'kwargs',
  'result',
  'exception',
  'traceback',
  'runtime',
  'retries',
  'queue',
];

/**
 * The task events of the fleet in one capped Redis stream, so every API replica and every
 * restart sees the same history. Searches read the whole stream (it is capped) and fold it into
 * one summary per task; one read serves every search for `cacheMs`, so dashboards polling at
 * once cost one XRANGE per second per replica.
 */
export class TaskHistory {
  private cached: { at: number; tasks: Promise<TaskSummary[]> } | null = null;
  private readonly now: () => number;

  constructor(
    private readonly redis: Redis,
    private readonly options: TaskHistoryOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  get key(): string {
    return `${this.options.keyPrefix}burrow-api-task-events`;
  }

  /** Appends the task events among `events` (others are ignored) in one round trip. */
  async append(events: readonly EventFields[]): Promise<number> {
    const pipeline = this.redis.pipeline();
    let added = 0;
    for (const event of events) {
      const type = String(event.type ?? '');
      if (!type.startsWith('task-') || typeof event.uuid !== 'string') continue;
      const kept: Record<string, unknown> = {};
      for (const field of KEPT) if (event[field] !== undefined) kept[field] = event[field];
      const seconds = typeof event.timestamp === 'number' ? event.timestamp : this.now() / 1000;
      pipeline.xadd(
        this.key,
        'MAXLEN',
        '~',
        this.options.maxLength,
        '*',
        'uuid',
        event.uuid,
        'type',
        type,
        'at',
        String(Math.round(seconds * 1000)),
        'hostname',
        String(event.hostname ?? ''),
        'fields',
        JSON.stringify(kept),
      );
      added++;
    }
    if (added > 0) await pipeline.exec();
    this.cached = null;
    return added;
  }

  /** The newest `limit` tasks matching the query, newest first. */
  async search(query: TaskQuery, limit = 100): Promise<TaskSummary[]> {
    return matchTasks(await this.tasks(), query).slice(0, limit);
  }

  /** One task's summary and its events in order, or null when the history has none. */
  async task(id: string): Promise<{ summary: TaskSummary; events: StoredTaskEvent[] } | null> {
    const events = (await this.read()).filter((e) => e.uuid === id);
    const [summary] = foldTaskEvents(events);
    return summary ? { summary, events: events.sort((a, b) => a.at - b.at) } : null;
  }

  private tasks(): Promise<TaskSummary[]> {
    const now = this.now();
    if (this.cached && now - this.cached.at < (this.options.cacheMs ?? 1_000))
      return this.cached.tasks;
    const tasks = this.read().then(foldTaskEvents);
    this.cached = { at: now, tasks };
    tasks.catch(() => {
      if (this.cached?.tasks === tasks) this.cached = null;
    });
    return tasks;
  }

  private async read(): Promise<StoredTaskEvent[]> {
    const entries = await this.redis.xrange(this.key, '-', '+');
    return entries.map(([, values]) => parseEntry(values)).filter((e) => e !== null);
  }
}

/** A stream entry's flat field list as a StoredTaskEvent; null when it is not one. */
export function parseEntry(values: readonly string[]): StoredTaskEvent | null {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < values.length; i += 2) map.set(values[i]!, values[i + 1]!);
  const uuid = map.get('uuid');
  const type = map.get('type');
  if (!uuid || !type) return null;
  let fields: Record<string, unknown> = {};
  try {
    fields = JSON.parse(map.get('fields') ?? '{}') as Record<string, unknown>;
  } catch {
    // a damaged entry still shows its state
  }
  return {
    uuid,
    type,
    at: Number(map.get('at') ?? 0),
    hostname: map.get('hostname') || null,
    fields,
  };
}
