import os from 'node:os';
import type { EventDispatcher } from './event-dispatcher';

export interface WorkerHeartbeatOptions {
  readonly dispatcher: EventDispatcher;
  /** Seconds between heartbeats (`freq`). @default 2 */
  readonly freqSeconds?: number;
  /** Tasks running now and settled since start. */
  readonly counts: () => { active: number; processed: number };
  readonly version: string;
}

/** The software fields Celery's heartbeats carry. */
export function softwareInfo(version: string): Record<string, string> {
  return { sw_ident: 'burrow', sw_ver: version, sw_sys: os.type() };
}

/**
 * `worker-online`, then `worker-heartbeat` every `freq` seconds, then `worker-offline`: monitors
 * (Flower, `celery events`) call a worker alive while heartbeats keep coming.
 */
export class WorkerHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private readonly freq: number;

  constructor(private readonly options: WorkerHeartbeatOptions) {
    this.freq = options.freqSeconds ?? 2;
  }

  private fields(freq = this.freq): Record<string, unknown> {
    const { active, processed } = this.options.counts();
    return {
      freq,
      active,
      processed,
      loadavg: os.loadavg().map((n) => Math.round(n * 100) / 100),
      ...softwareInfo(this.options.version),
    };
  }

  start(): void {
    this.options.dispatcher.sendNow('worker-online', this.fields());
    this.timer = setInterval(() => this.beat(), this.freq * 1000);
    this.timer.unref();
  }

  /** One heartbeat now (the `heartbeat` control command). */
  beat(): void {
    this.options.dispatcher.sendNow('worker-heartbeat', this.fields());
  }

  stop(): void {
    clearInterval(this.timer);
    this.options.dispatcher.sendNow('worker-offline', this.fields());
  }
}
