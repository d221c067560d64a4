import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Attempt, Outcome } from './engine';

/** Prometheus metrics of one process; each process owns its registry (no global default). */
export class TaskMetrics {
  readonly registry = new Registry();
  private readonly outcomes: Counter<'task' | 'outcome'>;
  private readonly duration: Histogram<'task'>;
  readonly running: Gauge;

  constructor(labels: Record<string, string> = {}) {
    this.registry.setDefaultLabels(labels);
    collectDefaultMetrics({ register: this.registry, prefix: 'burrow_' });
    this.outcomes = new Counter({
      name: 'burrow_tasks_total',
      help: 'Deliveries settled, by task and outcome (success, retry, defer, dead, revoked, duplicate)',
      labelNames: ['task', 'outcome'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'burrow_task_duration_seconds',
      help: 'Time from receiving a delivery to settling it, for deliveries that ran',
      labelNames: ['task'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers: [this.registry],
    });
    this.running = new Gauge({
      name: 'burrow_tasks_running',
      help: 'Tasks running now',
      registers: [this.registry],
    });
  }

  /** Feed for the consumer's `onSettled` hook. */
  readonly record = (outcome: Outcome, attempt: Attempt): void => {
    const task = attempt.taskName ?? 'unknown';
    this.outcomes.inc({ task, outcome: outcome.kind });
    if (
      outcome.kind === 'success' ||
      outcome.kind === 'retry' ||
      (outcome.kind === 'dead' && attempt.kwargs)
    ) {
      this.duration.observe({ task }, (Date.now() - attempt.startedAt) / 1000);
    }
  };
}
