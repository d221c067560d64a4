import type { KwargsOf, ResultOf, systemHealthCheckTask } from '@burrow/contracts';
import type { TaskContext } from '@burrow/shared';
import type { CleanupServices } from './services';

type Result = ResultOf<typeof systemHealthCheckTask>;
type Check = Result['checks'][string];

const PROBE_TIMEOUT_MS = 5_000;

/**
 * Pings RabbitMQ, Redis and each configured backend health path, and reports each as up or
 * down with its latency. A dependency being down is the answer, not a failure of the task.
 * `results` is the seed service's answer beside it: each backend path to its HTTP status
 * code, null when it could not be reached. The latest report is also kept for `burrow health`.
 */
export async function systemHealthCheck(
  _kwargs: KwargsOf<typeof systemHealthCheckTask>,
  ctx: TaskContext<CleanupServices>,
): Promise<Result> {
  const { probes, backend, settings } = ctx.services;
  const results: Result['results'] = Object.fromEntries(
    settings.backendHealthPaths.map((path) => [path, null]),
  );
  const targets: [string, (signal: AbortSignal) => Promise<void>][] = [
    ['rabbitmq', probes.rabbitmq],
    ['redis', probes.redis],
    ...settings.backendHealthPaths.map((path): [string, (signal: AbortSignal) => Promise<void>] => [
      `backend:${path}`,
      async (signal) => {
        const { status } = await backend.probe(path, signal);
        results[path] = status;
        if (status >= 400) throw new Error(`HTTP ${status}`);
      },
    ]),
  ];
  const entries = await Promise.all(
    targets.map(async ([name, probe]) => [name, await timed(probe, ctx.signal)] as const),
  );
  const checks = Object.fromEntries(entries);
  const down = entries.filter(([, check]) => check.status === 'down').map(([name]) => name);
  const status: Result['status'] =
    down.length === 0 ? 'healthy' : down.length === entries.length ? 'unhealthy' : 'degraded';
  if (down.length > 0)
    ctx.logger.warn('health check found dependencies down', { down: down.join(',') });
  const report: Result = { status, checked_at: new Date().toISOString(), checks, results };
  // The snapshot is a convenience for `burrow health`; the report itself is the task's result.
  await ctx.services.health
    .record(report)
    .catch((err: unknown) =>
      ctx.logger.warn('could not keep the health snapshot', { error: (err as Error).message }),
    );
  return report;
}

async function timed(
  probe: (signal: AbortSignal) => Promise<void>,
  parent: AbortSignal,
): Promise<Check> {
  const started = performance.now();
  const signal = AbortSignal.any([parent, AbortSignal.timeout(PROBE_TIMEOUT_MS)]);
  try {
    await probe(signal);
    return { status: 'up', latency_ms: Math.round(performance.now() - started) };
  } catch (err) {
    return {
      status: 'down',
      latency_ms: Math.round(performance.now() - started),
      error: (err as Error).message || String(err),
    };
  }
}
