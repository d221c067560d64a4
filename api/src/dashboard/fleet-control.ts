import { ControlClient, type BrokerConnection, type Logger, type Replies } from '@burrow/shared';

/**
 * Remote-control broadcasts on the current broker connection, each on a ControlClient of its
 * own, opened and closed around it (as `revoke` does). Not one long-lived client: its reply
 * queue expires ten seconds after its last consumer leaves, and consuming from the expired
 * queue fails with a 404 that takes the connection down.
 */
export class FleetControl {
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly connection: BrokerConnection) {}

  /** Broadcasts `method`; the replies by node name ({} when not connected or on reply: false). */
  broadcast(
    method: string,
    options: { reply?: boolean; limit?: number; timeoutSeconds?: number } = {},
  ): Promise<Replies> {
    const run = async (): Promise<Replies> => {
      const amqp = this.connection.current;
      if (!amqp) return {};
      const control = await ControlClient.open(amqp);
      try {
        return await control.broadcast(method, options);
      } finally {
        await control.close();
      }
    };
    const result = run();
    const tracked = result.catch(() => undefined);
    this.running.add(tracked);
    void tracked.then(() => this.running.delete(tracked));
    return result;
  }

  /** Waits for the broadcasts under way. */
  async close(): Promise<void> {
    await Promise.all([...this.running]);
  }
}

/** What `stats` and `active_queues` tell of a worker that heartbeats do not. */
export interface WorkerDetails {
  readonly concurrency: number | null;
  readonly queues: readonly string[];
  /** Peak resident set size in bytes (`rusage.maxrss`). */
  readonly maxRssBytes: number | null;
}

/** A worker's `stats` and `active_queues` replies as WorkerDetails. Pure. */
export function workerDetails(stats: unknown, activeQueues: unknown): WorkerDetails {
  const s = (stats ?? {}) as {
    pool?: { 'max-concurrency'?: unknown };
    rusage?: { maxrss?: unknown };
  };
  const concurrency = s.pool?.['max-concurrency'];
  const maxrss = s.rusage?.maxrss;
  return {
    concurrency: typeof concurrency === 'number' ? concurrency : null,
    queues: Array.isArray(activeQueues)
      ? activeQueues
          .map((q) => (q as { name?: unknown })?.name)
          .filter((n): n is string => typeof n === 'string')
      : [],
    // Node reports maxRSS in kilobytes, as getrusage(2) does on Linux.
    maxRssBytes: typeof maxrss === 'number' ? maxrss * 1024 : null,
  };
}

export interface WorkerInspectorOptions {
  readonly control: FleetControl;
  readonly logger: Logger;
  /** Details older than this are asked for again when the workers are listed. @default 10000 */
  readonly maxAgeMs?: number;
  readonly now?: () => number;
}

/**
 * Concurrency, queues and memory of each worker by remote control (as Flower's inspect does),
 * asked for only while someone looks at the dashboard: `details` answers from what it has and
 * refreshes in the background when that is older than `maxAgeMs`.
 */
export class WorkerInspector {
  private known = new Map<string, WorkerDetails>();
  private fetchedAt = 0;
  private refreshing: Promise<void> | null = null;
  private readonly now: () => number;

  constructor(private readonly options: WorkerInspectorOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * What is known now. Refreshes in the background when that is older than `maxAgeMs`, or when
   * a worker in `alive` is not in it yet (no sooner than 2 s after the last refresh); the
   * broadcast stops at as many replies as `alive` has workers.
   */
  details(alive: readonly string[]): ReadonlyMap<string, WorkerDetails> {
    const age = this.now() - this.fetchedAt;
    const unknown = alive.some((name) => !this.known.has(name));
    if (!this.refreshing && (age > (this.options.maxAgeMs ?? 10_000) || (unknown && age > 2_000)))
      this.refreshing = this.refresh(alive.length).finally(() => (this.refreshing = null));
    return this.known;
  }

  /** Resolves once the refresh under way (if any) is done; for tests and shutdown. */
  async settled(): Promise<void> {
    await this.refreshing;
  }

  private async refresh(expected: number): Promise<void> {
    const limit = expected > 0 ? expected : undefined;
    try {
      const stats = await this.options.control.broadcast('stats', { limit, timeoutSeconds: 1 });
      const queues = await this.options.control.broadcast('active_queues', {
        limit,
        timeoutSeconds: 1,
      });
      this.known = new Map(
        [...new Set([...Object.keys(stats), ...Object.keys(queues)])].map((node) => [
          node,
          workerDetails(stats[node], queues[node]),
        ]),
      );
      this.fetchedAt = this.now();
    } catch (err) {
      this.options.logger.warn('cannot inspect workers', { error: (err as Error).message });
      this.fetchedAt = this.now();
    }
  }
}
