import type { Redis } from 'ioredis';
import { TERMINAL_STATES, type RedisResultStore, type ResultMeta } from '@burrow/shared';

/**
 * Long-polls for final results on the result channels workers PUBLISH to (as Celery's
 * AsyncResult.get() does), over one subscriber connection for every waiting request: a channel
 * is subscribed while anyone waits on it.
 */
export class ResultWaiter {
  private readonly waiters = new Map<string, Set<(meta: ResultMeta) => void>>();
  private readonly closing = new AbortController();

  constructor(
    private readonly results: RedisResultStore,
    private readonly subscriber: Redis,
  ) {
    subscriber.on('message', (channel: string, json: string) => {
      const waiting = this.waiters.get(channel);
      if (!waiting) return;
      let meta: ResultMeta;
      try {
        meta = JSON.parse(json) as ResultMeta;
      } catch {
        return;
      }
      if (TERMINAL_STATES.has(meta.status)) for (const resolve of waiting) resolve(meta);
    });
  }

  /**
   * The stored meta once final, or whatever is stored (null = nothing) after `timeoutMs`, or
   * sooner when `signal` aborts (the client went away).
   */
  async wait(taskId: string, timeoutMs: number, signal?: AbortSignal): Promise<ResultMeta | null> {
    const channel = this.results.resultKey(taskId);
    let onFinal: (meta: ResultMeta) => void = () => undefined;
    const published = new Promise<ResultMeta>((resolve) => (onFinal = resolve));
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      await this.listen(channel, onFinal);
      // Subscribed first, then read: a result stored in between is not missed.
      const stored = await this.results.get(taskId);
      if ((stored && TERMINAL_STATES.has(stored.status)) || this.closing.signal.aborted)
        return stored;
      const gaveUp = new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), timeoutMs);
        onAbort = () => resolve(null);
        signal?.addEventListener('abort', onAbort, { once: true });
        this.closing.signal.addEventListener('abort', onAbort, { once: true });
      });
      return (await Promise.race([published, gaveUp])) ?? (await this.results.get(taskId));
    } finally {
      clearTimeout(timer);
      if (onAbort) {
        signal?.removeEventListener('abort', onAbort);
        this.closing.signal.removeEventListener('abort', onAbort);
      }
      await this.unlisten(channel, onFinal);
    }
  }

  /**
   * Ends every wait now (each answers what is stored, usually "not finished yet"), so a
   * stopping process need not hold its shutdown for the longest long-poll.
   */
  releaseAll(): void {
    this.closing.abort();
  }

  /** Requests waiting now. */
  get waiting(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }

  private async listen(channel: string, onFinal: (meta: ResultMeta) => void): Promise<void> {
    const waiting = this.waiters.get(channel);
    if (waiting) {
      waiting.add(onFinal);
      return;
    }
    this.waiters.set(channel, new Set([onFinal]));
    await this.subscriber.subscribe(channel);
  }

  private async unlisten(channel: string, onFinal: (meta: ResultMeta) => void): Promise<void> {
    const waiting = this.waiters.get(channel);
    waiting?.delete(onFinal);
    if (waiting && waiting.size === 0) {
      this.waiters.delete(channel);
      await this.subscriber.unsubscribe(channel).catch(() => undefined);
    }
  }
}
