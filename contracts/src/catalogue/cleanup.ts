import { Type } from '@sinclair/typebox';
import { defineTask } from '../task-contract';
import type { QueueName } from './queues';
import { IsoDateTime, NonNegativeInteger } from './primitives';

const queue: QueueName = 'cleanup';

/** What a file sweep removed (or, in a dry run, would remove). */
const SweepResult = Type.Object({
  deleted_files: NonNegativeInteger,
  freed_bytes: NonNegativeInteger,
  errors: Type.Array(Type.Object({ path: Type.String(), error: Type.String() }), {
    description: 'Paths that could not be read or removed (the first 100); the sweep went on',
  }),
  dry_run: Type.Optional(Type.Boolean({ description: 'true: nothing was deleted' })),
  would_delete: Type.Optional(
    Type.Array(Type.String(), {
      description: 'Dry run only: the first 100 files a real run would delete',
    }),
  ),
  skipped_in_use: Type.Optional(
    Type.Integer({
      minimum: 0,
      description: 'Old enough to go, but left alone: a worker is writing them (not errors)',
    }),
  ),
  in_use: Type.Optional(
    Type.Array(Type.String(), { description: 'The first 100 files skipped as in use' }),
  ),
});

/** The log sweep's result: the file sweep's, and the backend's own log-record prune. */
const LogSweepResult = Type.Object({
  ...SweepResult.properties,
  backend_prune: Type.Optional(
    Type.Object(
      {
        status: Type.Union([Type.Literal('ok'), Type.Literal('failed'), Type.Literal('skipped')]),
        status_code: Type.Optional(NonNegativeInteger),
        response: Type.Optional(Type.Unknown({ description: "The backend's answer" })),
        error: Type.Optional(Type.String()),
        reason: Type.Optional(Type.String()),
      },
      {
        description:
          'BACKEND_LOG_PRUNE_PATH set: the backend asked to prune its log records; failed does not fail the task',
      },
    ),
  ),
});

const DryRun = Type.Optional(
  Type.Boolean({ default: false, description: 'Report what would be deleted, delete nothing' }),
);

export const cleanupTempFilesTask = defineTask({
  name: 'tasks.cleanup_tasks.cleanup_temp_files_task',
  queue,
  description: 'Deletes temporary files older than max_age_hours from the configured temp folders.',
  params: ['max_age_hours', 'dry_run'],
  kwargs: Type.Object(
    {
      max_age_hours: Type.Optional(Type.Integer({ minimum: 1, maximum: 8760, default: 24 })),
      dry_run: DryRun,
    },
    { additionalProperties: false },
  ),
  result: SweepResult,
  defaults: {
    retry: { maxRetries: 1, backoffSeconds: 60, backoffMaxSeconds: 600 },
    softTimeLimitSeconds: 600,
    hardTimeLimitSeconds: 720,
    expiresSeconds: 3 * 3600,
  },
});

export const cleanupOldLogsTask = defineTask({
  name: 'tasks.cleanup_tasks.cleanup_old_logs_task',
  queue,
  description: 'Deletes rotated log files older than days_to_keep days from the log folders.',
  params: ['days_to_keep', 'dry_run'],
  kwargs: Type.Object(
    {
      days_to_keep: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650, default: 30 })),
      dry_run: DryRun,
    },
    { additionalProperties: false },
  ),
  result: LogSweepResult,
  defaults: {
    retry: { maxRetries: 1, backoffSeconds: 60, backoffMaxSeconds: 600 },
    softTimeLimitSeconds: 600,
    hardTimeLimitSeconds: 720,
    expiresSeconds: 3 * 3600,
  },
});

const CheckStatus = Type.Object({
  status: Type.Union([Type.Literal('up'), Type.Literal('down')]),
  latency_ms: Type.Number({ minimum: 0 }),
  error: Type.Optional(Type.String()),
});

const ProviderState = Type.Object({
  status: Type.Union([
    Type.Literal('configured'),
    Type.Literal('not_configured'),
    Type.Literal('incomplete'),
  ]),
  missing: Type.Optional(Type.Array(Type.String())),
});

const DiskState = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('low'), Type.Literal('error')]),
  measured: Type.Optional(
    Type.String({ description: 'The folder measured: the one given or its nearest parent' }),
  ),
  free_mb: Type.Optional(NonNegativeInteger),
  total_mb: Type.Optional(NonNegativeInteger),
  free_percent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  error: Type.Optional(Type.String()),
});

export const systemHealthCheckTask = defineTask({
  name: 'tasks.cleanup_tasks.system_health_check_task',
  queue,
  description:
    'Probes the broker, Redis, the backend, SMTP and disk space, reports each one up or down, and whether push and SMS are configured.',
  params: [],
  seedCall: 'system_health_check_task()',
  kwargs: Type.Object({}, { additionalProperties: false }),
  result: Type.Object({
    status: Type.Union([
      Type.Literal('healthy'),
      Type.Literal('degraded'),
      Type.Literal('unhealthy'),
    ]),
    checked_at: IsoDateTime,
    checks: Type.Record(Type.String(), CheckStatus),
    results: Type.Record(Type.String(), Type.Union([NonNegativeInteger, Type.Null()]), {
      description:
        "The seed's map: each backend health path to its HTTP status code, null when unreachable",
    }),
    providers: Type.Optional(
      Type.Record(Type.String(), ProviderState, {
        description:
          'Push (fcm) and SMS (twilio) configuration presence; not_configured alone is not unhealthy, incomplete is degraded',
      }),
    ),
    disk: Type.Optional(
      Type.Record(Type.String(), DiskState, {
        description: 'Each HEALTH_DISK_DIRS folder to the free space of its filesystem',
      }),
    ),
  }),
  defaults: {
    // The next run is five minutes away: a retry would only report stale health.
    retry: { maxRetries: 0 },
    softTimeLimitSeconds: 60,
    hardTimeLimitSeconds: 90,
    expiresSeconds: 240,
  },
});

const StepOutcome = Type.Object({
  status: Type.Union([
    Type.Literal('ok'),
    Type.Literal('failed'),
    Type.Literal('skipped'),
    Type.Literal('timed_out'),
  ]),
  duration_ms: Type.Number({ minimum: 0 }),
  detail: Type.Optional(Type.Unknown()),
});

export const dailyMaintenanceTask = defineTask({
  name: 'tasks.cleanup_tasks.daily_maintenance_task',
  queue,
  description:
    'Runs the nightly maintenance steps (backend database backup, temp and log sweeps, dead-letter pruning, health check) in order, each within its own time budget; fails only when the backup fails.',
  params: [],
  seedCall: 'daily_maintenance_task()',
  kwargs: Type.Object({}, { additionalProperties: false }),
  result: Type.Object({
    started_at: IsoDateTime,
    finished_at: IsoDateTime,
    steps: Type.Record(Type.String(), StepOutcome),
  }),
  defaults: {
    retry: { maxRetries: 1, backoffSeconds: 300, backoffMaxSeconds: 600 },
    softTimeLimitSeconds: 1380,
    hardTimeLimitSeconds: 1500,
    expiresSeconds: 4 * 3600,
  },
});

/** Tasks of the `cleanup` queue, in catalogue order. */
export const CLEANUP_TASKS = [
  cleanupTempFilesTask,
  cleanupOldLogsTask,
  systemHealthCheckTask,
  dailyMaintenanceTask,
] as const;
