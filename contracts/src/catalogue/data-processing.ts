import { Type } from '@sinclair/typebox';
import { defineTask } from '../task-contract';
import type { QueueName } from './queues';
import { CurrencyCode, IsoDateTime, NonNegativeInteger, UserId } from './primitives';

const queue: QueueName = 'data_processing';

/** burrow's batch operations: what `operations` may list. */
const UserOperation = Type.Union([
  Type.Literal('update_statistics'),
  Type.Literal('generate_recommendations'),
  Type.Literal('export_data'),
  Type.Literal('cleanup_activity'),
]);

/** Every operation `data_type` may name: the seed's own data types, then every batch operation. */
export const USER_DATA_TYPES = [
  'profile_update',
  'preferences',
  'activity',
  'account_deletion',
  'export_data',
  'update_statistics',
  'generate_recommendations',
  'cleanup_activity',
] as const;

/**
 * One operation in the seed's form, `process_user_data(user_id, data_type, data)`. A pattern
 * rather than a union of literals, so a refusal names the accepted values ("Expected string to
 * match '^(profile_update|…)$'") where a union would only say "Expected union value".
 */
const UserDataType = Type.String({
  pattern: `^(${USER_DATA_TYPES.join('|')})$`,
  description: `Which operation runs on data: one of ${USER_DATA_TYPES.join(', ')}`,
});

export const processUserDataTask = defineTask({
  name: 'tasks.data_processing_tasks.process_user_data_task',
  queue,
  description:
    "Runs one operation (data_type, on data) or several (operations) on one user's data.",
  params: ['user_id', 'data_type', 'data', 'operations'],
  seedCall: 'process_user_data(user_id, data_type, data)',
  kwargs: Type.Object(
    {
      user_id: UserId,
      data_type: Type.Optional(UserDataType),
      data: Type.Optional(
        Type.Record(Type.String(), Type.Unknown(), {
          description: 'Payload of the data_type operation, e.g. {"name": "John Doe"}',
        }),
      ),
      // No schema default: defaults are filled in before the handler runs, and one here would
      // turn every seed call (data_type, data) into an update_statistics run as well.
      operations: Type.Optional(
        Type.Array(UserOperation, {
          minItems: 1,
          uniqueItems: true,
          description:
            'Several operations at once; when neither data_type nor operations is given, update_statistics runs',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  result: Type.Object({
    user_id: UserId,
    data_type: Type.Optional(
      Type.String({ description: 'The data_type that ran, if one was given' }),
    ),
    completed: Type.Array(Type.String()),
    failed: Type.Array(Type.Object({ operation: Type.String(), error: Type.String() })),
  }),
  defaults: {
    retry: { maxRetries: 3, backoffSeconds: 10, backoffMaxSeconds: 600 },
    softTimeLimitSeconds: 600,
    hardTimeLimitSeconds: 720,
  },
});

const reportFormat = (options = {}) =>
  Type.Union([Type.Literal('csv'), Type.Literal('json'), Type.Literal('xlsx')], options);

export const generateReportTask = defineTask({
  name: 'tasks.data_processing_tasks.generate_report_task',
  queue,
  description: 'Builds a report of the given type and stores the file, returning where it is.',
  params: ['report_type', 'params', 'format'],
  kwargs: Type.Object(
    {
      report_type: Type.Union([
        Type.Literal('user_activity'),
        Type.Literal('sales'),
        Type.Literal('email_delivery'),
        Type.Literal('task_stats'),
      ]),
      params: Type.Optional(
        Type.Record(Type.String(), Type.Unknown(), {
          description: 'Report filters, e.g. {"date_from": "2024-01-01", "date_to": "2024-01-31"}',
        }),
      ),
      format: Type.Optional(reportFormat({ default: 'csv' })),
    },
    { additionalProperties: false },
  ),
  result: Type.Object({
    report_type: Type.String(),
    format: reportFormat(),
    location: Type.String({ description: 'Path or URL of the stored report' }),
    row_count: NonNegativeInteger,
    size_bytes: NonNegativeInteger,
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: "SHA-256 of the file's bytes" }),
    generated_at: IsoDateTime,
  }),
  defaults: {
    retry: { maxRetries: 2, backoffSeconds: 30, backoffMaxSeconds: 600 },
    softTimeLimitSeconds: 1200,
    hardTimeLimitSeconds: 1500,
  },
});

const ImportOptions = Type.Object(
  {
    format: Type.Optional(
      Type.Union([Type.Literal('csv'), Type.Literal('json'), Type.Literal('jsonl')], {
        description: 'Default: from the file extension',
      }),
    ),
    delimiter: Type.Optional(Type.String({ minLength: 1, maxLength: 1, default: ',' })),
    has_header: Type.Optional(Type.Boolean({ default: true })),
    batch_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 500 })),
    update_existing: Type.Optional(Type.Boolean({ default: false })),
    dry_run: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);

export const batchDataImportTask = defineTask({
  name: 'tasks.data_processing_tasks.batch_data_import_task',
  queue,
  description: 'Imports records of one type from a file path or an http(s) URL (give exactly one).',
  params: ['import_type', 'file_path', 'url', 'options'],
  kwargs: Type.Object(
    {
      import_type: Type.Union([
        Type.Literal('users'),
        Type.Literal('contacts'),
        Type.Literal('products'),
        Type.Literal('transactions'),
      ]),
      file_path: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
      url: Type.Optional(Type.String({ pattern: '^https?://\\S+$', maxLength: 2048 })),
      options: Type.Optional(ImportOptions),
    },
    { additionalProperties: false },
  ),
  result: Type.Object({
    import_type: Type.String(),
    total_rows: NonNegativeInteger,
    imported: NonNegativeInteger,
    updated: NonNegativeInteger,
    skipped: NonNegativeInteger,
    failed: NonNegativeInteger,
    errors: Type.Array(Type.Object({ row: Type.Integer(), error: Type.String() }), {
      maxItems: 100,
      description: 'The first failed rows, at most 100 (row = line number in the file)',
    }),
    error_report: Type.Union([Type.String(), Type.Null()], {
      description:
        'Path of the row-level error report (CSV: line, field, reason); null when no row failed',
    }),
    chunks: NonNegativeInteger,
    dry_run: Type.Boolean(),
  }),
  defaults: {
    retry: { maxRetries: 2, backoffSeconds: 60, backoffMaxSeconds: 600 },
    softTimeLimitSeconds: 1380,
    hardTimeLimitSeconds: 1500,
  },
});

export const updateExchangeRatesTask = defineTask({
  name: 'tasks.data_processing_tasks.update_exchange_rates_task',
  queue,
  description:
    "Triggers the backend's exchange-rate update (BACKEND_EXCHANGE_RATES_PATH) once per hourly slot.",
  params: ['base_currency'],
  seedCall: 'update_exchange_rates_task()',
  kwargs: Type.Object(
    {
      base_currency: Type.Optional(Type.String({ pattern: CurrencyCode.pattern, default: 'USD' })),
    },
    { additionalProperties: false },
  ),
  result: Type.Object({
    base_currency: Type.String(),
    slot: Type.String({ description: 'The hourly slot (UTC, YYYY-MM-DDTHH) the update is for' }),
    status_code: Type.Integer(),
    rates: Type.Optional(
      Type.Record(Type.String(), Type.Number({ exclusiveMinimum: 0 }), {
        description: 'The rates, when the backend answers with them',
      }),
    ),
    fetched_at: IsoDateTime,
    source: Type.Optional(Type.String()),
  }),
  defaults: {
    retry: { maxRetries: 5, backoffSeconds: 10, backoffMaxSeconds: 600 },
    softTimeLimitSeconds: 120,
    hardTimeLimitSeconds: 180,
    expiresSeconds: 3000,
  },
});

/** Tasks of the `data_processing` queue, in catalogue order. */
export const DATA_PROCESSING_TASKS = [
  processUserDataTask,
  generateReportTask,
  batchDataImportTask,
  updateExchangeRatesTask,
] as const;
