/**
 * One measurement of the import bench, alone in its process so its peak RSS is its own:
 * `bare` (a csv-parse loop and nothing else), `import` (batch_data_import_task's handler in
 * dry run: streaming parse, schema checks in worker threads, error report, chunk commits in
 * Redis) or `report-csv` / `report-xlsx` (generate_report_task against the parent's page
 * server). Prints one JSON line: {rows, seconds, peakRssMb}.
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { parse } from 'csv-parse';
import { createLogger, loadConfigFragment, type TaskContext } from '@burrow/shared';
import type { FamilyDeps } from '@burrow/workers';
// The client alone: the package's index would load every family's SDKs, which a
// data_processing worker never does.
import { BackendClient } from '@burrow/workers/dist/providers/backend-client';
import {
  batchDataImport,
  createDataProcessingServices,
  dataProcessingConfig,
  generateReport,
  type DataProcessingServices,
} from '@burrow/workers/dist/data-processing';

const [mode = 'bare', file = '', given = ''] = process.argv.slice(2);
const backendUrl = given || 'http://127.0.0.1:1';

async function bare(): Promise<number> {
  let rows = 0;
  for await (const record of createReadStream(file, { highWaterMark: 256 * 1024 }).pipe(parse())) {
    if ((record as string[]).length > 0) rows++;
  }
  return rows - 1; // the header
}

async function withServices(
  run: (ctx: TaskContext<DataProcessingServices>) => Promise<number>,
): Promise<number> {
  const redis = new Redis(process.env.REDIS_URL || 'redis://localhost:6379');
  const keyPrefix = `bench-import-${process.pid}:`;
  const backend = new BackendClient({ baseUrl: backendUrl, apiKey: '', timeoutSeconds: 30 });
  const logger = createLogger({ service: 'bench', silent: true });
  const config = loadConfigFragment(dataProcessingConfig, {
    IMPORTS_DIR: path.dirname(file),
    REPORTS_DIR: path.join(path.dirname(file), 'reports'),
    REPORT_PAGE_SIZE: '5000',
    DATA_PROCESSING_THREADS: process.env.DATA_PROCESSING_THREADS ?? '2',
  });
  const deps = {
    redis,
    keyPrefix,
    resultExpiresSeconds: 600,
    backend,
    logger,
  } as unknown as FamilyDeps;
  const services = await createDataProcessingServices(config, deps);
  try {
    return await run({
      taskId: `bench-${process.pid}-${Date.now()}`,
      taskName: 'bench',
      queue: 'data_processing',
      retries: 0,
      replayed: false,
      maxRetries: 0,
      signal: new AbortController().signal,
      logger,
      reportProgress: () => Promise.resolve(),
      services,
    });
  } finally {
    await services.close();
    await backend.close();
    const keys = await redis.keys(`${keyPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
}

async function measure(): Promise<number> {
  if (mode === 'bare') return bare();
  if (mode === 'import')
    return withServices(async (ctx) => {
      const result = await batchDataImport(
        {
          import_type: 'users',
          file_path: path.basename(file),
          options: { dry_run: true },
        },
        ctx,
      );
      return result.total_rows;
    });
  const format = mode === 'report-xlsx' ? 'xlsx' : 'csv';
  return withServices(async (ctx) => {
    const result = await generateReport({ report_type: 'user_activity', format }, ctx);
    return result.row_count;
  });
}

async function main(): Promise<void> {
  const started = performance.now();
  const rows = await measure();
  const seconds = (performance.now() - started) / 1000;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ rows, seconds, peakRssMb })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
