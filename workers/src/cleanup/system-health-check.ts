import type { KwargsOf, ResultOf, systemHealthCheckTask } from '@burrow/contracts';
import type { TaskContext } from '@burrow/shared';
import { diskState, probeSmtp, providerStates } from './health-probes';
import type { CleanupServices } from './services';

type Result = ResultOf<typeof systemHealthCheckTask>;
type Check = Result['checks'][string];
type Disk = NonNullable<Result['disk']>[string];
type Probe = (signal: AbortSignal) => Promise<void>;

const PROBE_TIMEOUT_MS = 5_000;

/**
 * Pings RabbitMQ, Redis, each configured backend health path and the SMTP server, measures
 * the free disk space of the report, import and log folders, and reports each as up or down
 * with its latency. A dependency being down is the answer, not a failure of the task.
 * `results` is the seed service's answer beside it: each backend path to its HTTP status
 * code, null when it could not be reached. `providers` says whether push (FCM) and SMS
 * (Twilio) are configured: a fleet without them is healthy, a half-configured one degraded.
 * The latest report is also kept for `burrow health`.
 */
export async function systemHealthCheck(
  _kwargs: KwargsOf<typeof systemHealthCheckTask>,
  ctx: TaskContext<CleanupServices>,
): Promise<Result> {
  const { probes, backend, settings } = ctx.services;
  const { health } = settings;
  const { smtp } = health;
  const results: Result['results'] = Object.fromEntries(
    settings.backendHealthPaths.map((path) => [path, null]),
  );
  const disk: Record<string, Disk> = {};
  const targets: [string, Probe][] = [
    ['rabbitmq', probes.rabbitmq],
    ['redis', probes.redis],
    ...settings.backendHealthPaths.map((path): [string, Probe] => [
      `backend:${path}`,
      async (signal) => {
        const { status } = await backend.probe(path, signal);
        results[path] = status;
        if (status >= 400) throw new Error(`HTTP ${status}`);
      },
    ]),
    ...(smtp
      ? [['smtp', (signal: AbortSignal) => probeSmtp(smtp, signal)] as [string, Probe]]
      : []),
    ...health.diskDirs.map((dir): [string, Probe] => [
      `disk:${dir}`,
      async () => {
        try {
          const state = await diskState(dir, {
            minFreeMb: health.minFreeDiskMb,
            minFreePercent: health.minFreeDiskPercent,
          });
          disk[dir] = state;
          if (state.status === 'low')
            throw new Error(
              `only ${state.free_mb} MB (${state.free_percent}%) free on ${state.measured}`,
            );
        } catch (err) {
          disk[dir] ??= { status: 'error', error: (err as Error).message };
          throw err;
        }
      },
    ]),
  ];
  const entries = await Promise.all(
    targets.map(async ([name, probe]) => [name, await timed(probe, ctx.signal)] as const),
  );
  const checks = Object.fromEntries(entries);
  const providers = providerStates(health.providers);
  const down = entries.filter(([, check]) => check.status === 'down').map(([name]) => name);
  const incomplete = Object.entries(providers)
    .filter(([, state]) => state.status === 'incomplete')
    .map(([name]) => `config:${name}`);
  const status: Result['status'] =
    down.length > 0 && down.length === entries.length
      ? 'unhealthy'
      : down.length + incomplete.length > 0
        ? 'degraded'
        : 'healthy';
  if (down.length + incomplete.length > 0)
    ctx.logger.warn('health check found dependencies down', {
      down: [...down, ...incomplete].join(','),
    });
  const report: Result = {
    status,
    checked_at: new Date().toISOString(),
    checks,
    results,
    providers,
    disk,
  };
  // The snapshot is a convenience for `burrow health`; the report itself is the task's result.
  await ctx.services.health
    .record(report)
    .catch((err: unknown) =>
      ctx.logger.warn('could not keep the health snapshot', { error: (err as Error).message }),
    );
  return report;
}

async function timed(probe: Probe, parent: AbortSignal): Promise<Check> {
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
