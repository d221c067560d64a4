import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The API process's Prometheus metrics, in a registry of its own (no global default). */
export class ApiMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly duration: Histogram<'method' | 'route'>;
  private readonly submissions: Counter<'task' | 'outcome'>;

  constructor(labels: Record<string, string> = {}) {
    this.registry.setDefaultLabels(labels);
    collectDefaultMetrics({ register: this.registry, prefix: 'burrow_' });
    this.requests = new Counter({
      name: 'burrow_api_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status code',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'burrow_api_request_duration_seconds',
      help: 'Time to answer an HTTP request (long-polls included), by method and route pattern',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30],
      registers: [this.registry],
    });
    this.submissions = new Counter({
      name: 'burrow_api_submissions_total',
      help: 'Task submissions, by task and outcome (published, replayed, invalid, forbidden, failed)',
      labelNames: ['task', 'outcome'],
      registers: [this.registry],
    });
  }

  /** Exposes how many result requests are long-polling now (read at scrape time). */
  trackLongPolls(waiting: () => number): void {
    new Gauge({
      name: 'burrow_api_long_polls',
      help: 'Result requests waiting (?wait=) for their task to finish',
      registers: [this.registry],
      collect() {
        this.set(waiting());
      },
    });
  }

  recordRequest(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status: String(status) });
    this.duration.observe({ method, route }, seconds);
  }

  recordSubmission(task: string, outcome: string): void {
    this.submissions.inc({ task, outcome });
  }
}
