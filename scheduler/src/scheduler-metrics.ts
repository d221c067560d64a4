import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

/** The scheduler's Prometheus metrics, in a registry of its own (no global default). */
export class SchedulerMetrics {
  readonly registry = new Registry();
  readonly published: Counter<'entry'>;
  readonly failed: Counter<'entry'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'burrow_scheduler_' });
    this.published = new Counter({
      name: 'burrow_scheduler_published_total',
      help: 'Fire times this process claimed and published, by schedule entry',
      labelNames: ['entry'],
      registers: [this.registry],
    });
    this.failed = new Counter({
      name: 'burrow_scheduler_publish_failures_total',
      help: 'Claimed fire times whose publish failed (the claim is released), by entry',
      labelNames: ['entry'],
      registers: [this.registry],
    });
  }
}
