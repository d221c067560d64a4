import type { Logger } from '@burrow/shared';
import type { FleetControl } from './fleet-control';

export interface EventsEnablerOptions {
  readonly control: FleetControl;
  readonly logger: Logger;
  /** Seconds between broadcasts; 0 = never. */
  readonly intervalSeconds: number;
}

/**
 * Broadcasts `enable_events` at start, every `intervalSeconds`, and when a worker comes online,
 * as Flower does: a worker started without WORKER_SEND_TASK_EVENTS sends task events within one
 * interval (at once when its `worker-online` arrives). Every replica broadcasts; the command is
 * idempotent, so two replicas cost one more small message per interval.
 */
export class EventsEnabler {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: EventsEnablerOptions) {}

  start(): void {
    if (this.options.intervalSeconds <= 0) return;
    this.nudge();
    this.timer = setInterval(() => this.nudge(), this.options.intervalSeconds * 1000);
    this.timer.unref();
  }

  /** One broadcast now (a worker came online); nothing when broadcasts are off. */
  nudge(): void {
    if (this.options.intervalSeconds <= 0) return;
    this.options.control
      .broadcast('enable_events', { reply: false })
      .catch((err: Error) =>
        this.options.logger.debug('enable_events not sent', { error: err.message }),
      );
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
