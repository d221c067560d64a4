import { Type } from '@sinclair/typebox';
import { defineTask } from '../task-contract';
import type { QueueName } from './queues';
import { CurrencyCode, IsoDateTime, NonNegativeInteger, UserId } from './primitives';

const queue: QueueName = 'data_processing';

const UserOperation = Type.Union([
  Type.Literal('update_statistics'),
  Type.Literal('generate_recommendations'),
  Type.Literal('export_data'),
  Type.Literal('cleanup_activity'),
]);

export const processUserDataTask = defineTask({
  name: 'tasks.data_processing_tasks.process_user_data_task',
  queue,
  description:
    "Runs the listed per-user operations (default: update_statistics) on one user's data.",
  params: ['user_id', 'operations'],
  kwargs: Type.Object(
    {
      user_id: UserId,
      operations: Type.Optional(
        Type.Array(UserOperation, {
          minItems: 1,
          uniqueItems: true,
          default: ['update_statistics'],
        }),
      ),
    },
    { additionalProperties: false },
  ),
  result: Type.Object({
    user_id: UserId,
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
      description: 'The first failed rows, at most 100',
    }),
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
  description: 'Fetches current exchange rates against the base currency and stores them.',
  params: ['base_currency'],
  kwargs: Type.Object(
    {
      base_currency: Type.Optional(Type.String({ pattern: CurrencyCode.pattern, default: 'USD' })),
    },
    { additionalProperties: false },
  ),
  result: Type.Object({
    base_currency: Type.String(),
    rates: Type.Record(Type.String(), Type.Number({ exclusiveMinimum: 0 })),
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
