import type { Redis } from 'ioredis';
import type { EventFields } from '@burrow/shared';

/** The newest heartbeat of one worker, as the registry stores it. */
export interface WorkerBeat {
  readonly hostname: string;
  /** Tasks running now (`active`). */
  readonly active: number;
  readonly processed: number;
  readonly loadavg: readonly number[];
  /** Seconds between heartbeats. */
  readonly freq: number;
  readonly version: string | null;
  readonly pid: number | null;
  /** Resident set size in bytes, when the heartbeat carries one. */
  readonly rssBytes: number | null;
  /** When the API received it, in ms (its own clock: worker clocks may drift). */
  readonly lastSeen: number;
  /** False after `worker-offline`. */
  readonly online: boolean;
}

export type WorkerStatus = 'online' | 'lost' | 'offline';

/**
 * Online while heartbeats keep coming: Celery's window is two heartbeat intervals, plus a
 * second for the event's trip through the broker. Pure.
 */
export function workerStatus(beat: WorkerBeat, now: number): WorkerStatus {
  if (!beat.online) return 'offline';
  return now - beat.lastSeen <= (beat.freq * 2 + 1) * 1000 ? 'online' : 'lost';
}

const num = (value: unknown, fallback = 0): number =>
  typeof value === 'number' && Number.isFinite(value) ? value : fallback;

/** A worker-online/heartbeat/offline event as a WorkerBeat; null for any other event. Pure. */
export function beatOf(event: EventFields, receivedAt: number): WorkerBeat | null {
  const type = String(event.type ?? '');
  if (!type.startsWith('worker-') || typeof event.hostname !== 'string') return null;
  const rss = event.rss ?? event.rss_bytes;
  return {
    hostname: event.hostname,
    active: num(event.active),
    processed: num(event.processed),
    loadavg: Array.isArray(event.loadavg) ? event.loadavg.map((n) => num(n)) : [],
    freq: num(event.freq, 2) || 2,
    version: typeof event.sw_ver === 'string' ? event.sw_ver : null,
    pid: typeof event.pid === 'number' ? event.pid : null,
    rssBytes: typeof rss === 'number' ? rss : null,
    lastSeen: receivedAt,
    online: type !== 'worker-offline',
  };
}

export interface WorkerRegistryOptions {
  readonly keyPrefix: string;
  /** A worker silent this long leaves the list. @default 600000 (10 min) */
  readonly forgetAfterMs?: number;
  readonly now?: () => number;
}

/**
 * The fleet's workers by their heartbeats, in one Redis hash (node name → newest beat), so any
 * API replica shows every worker whichever replica consumed the heartbeat.
 */
export class WorkerRegistry {
  private readonly now: () => number;

  constructor(
    private readonly redis: Redis,
    private readonly options: WorkerRegistryOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  get key(): string {
    return `${this.options.keyPrefix}burrow-api-workers`;
  }

  /** Stores the worker events among `events`; the newest per worker wins. */
  async record(events: readonly EventFields[]): Promise<number> {
    const now = this.now();
    const beats = new Map<string, WorkerBeat>();
    for (const event of events) {
      const beat = beatOf(event, now);
      if (beat) beats.set(beat.hostname, beat);
    }
    if (beats.size === 0) return 0;
    await this.redis.hset(
      this.key,
      Object.fromEntries([...beats].map(([name, beat]) => [name, JSON.stringify(beat)])),
    );
    return beats.size;
  }

  /** Every worker heard from lately, by name; long-silent ones are removed. */
  async list(): Promise<WorkerBeat[]> {
    const now = this.now();
    const stored = await this.redis.hgetall(this.key);
    const beats: WorkerBeat[] = [];
    const stale: string[] = [];
    for (const [name, json] of Object.entries(stored)) {
      let beat: WorkerBeat | null = null;
      try {
        beat = JSON.parse(json) as WorkerBeat;
      } catch {
        // dropped below
      }
      if (!beat || now - beat.lastSeen > (this.options.forgetAfterMs ?? 600_000)) stale.push(name);
      else beats.push(beat);
    }
    if (stale.length > 0) await this.redis.hdel(this.key, ...stale);
    return beats.sort((a, b) => a.hostname.localeCompare(b.hostname));
  }
}
