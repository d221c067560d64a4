import { rm } from 'node:fs/promises';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { batchDataImportTask, type KwargsOf, type ResultOf } from '@burrow/contracts';
import { ContinueLater, PermanentError, RetryableError, type TaskContext } from '@burrow/shared';
import { ErrorReport } from './error-report';
import type { ChunkMessage, EndMessage, ReadChunksInput } from './import-reader';
import { fileSource, urlSource, type ImportSource } from './import-source';
import type { DataProcessingServices } from './services';
import type { ImportState } from './states';
import { safeName, softToHardMs, stoppedEarly } from './task-files';

type Kwargs = KwargsOf<typeof batchDataImportTask>;
type Result = ResultOf<typeof batchDataImportTask>;
type Ctx = TaskContext<DataProcessingServices>;

const EMPTY: ImportState = {
  chunks: 0,
  rows: 0,
  imported: 0,
  updated: 0,
  skipped: 0,
  failed: 0,
  errorBytes: 0,
  errors: [],
};
const MAX_ERRORS_IN_RESULT = 100;
const PROGRESS_EVERY_MS = 250;

/**
 * tasks.data_processing_tasks.batch_data_import_task: streams a CSV or JSON Lines file from
 * IMPORTS_DIR or an allow-listed URL, parsed and checked against the import type's schema in a
 * worker thread (import-reader.ts), and POSTs the valid rows of each chunk of `batch_size` file rows to the
 * backend (BACKEND_IMPORT_PATH) with `Idempotency-Key: <task id>:<chunk>`. Each chunk is
 * committed in Redis after the backend took it, with its counts and the error report's size;
 * a crash, a retry or a soft-limit continuation re-reads the file, skips the committed chunks
 * and goes on, so no row is posted under two keys. Refused rows go to `<file>.errors.csv`
 * (line, field, reason). `dry_run` validates and reports without posting.
 */
export async function batchDataImport(kwargs: Kwargs, ctx: Ctx): Promise<Result> {
  const { imports, filesInUse } = ctx.services;
  const source = await sourceOf(kwargs, ctx);
  const committed = (await imports.get(ctx.taskId)) ?? EMPTY;
  if (committed.result) return committed.result;
  const lease = await filesInUse.hold(source.errorReportPath);
  try {
    const report = await ErrorReport.open(source.errorReportPath, committed.errorBytes);
    let state: ImportState;
    try {
      state = await importChunks(kwargs, ctx, source, report, committed);
    } finally {
      await report.close();
    }
    const result = resultOf(kwargs, state, state.failed > 0 ? source.errorReportPath : null);
    if (state.failed === 0) await rm(source.errorReportPath, { force: true });
    await imports.set(ctx.taskId, { ...state, result });
    ctx.logger.info('import finished', {
      rows: result.total_rows,
      imported: result.imported,
      failed: result.failed,
    });
    return result;
  } finally {
    await lease.release();
  }
}

async function sourceOf(kwargs: Kwargs, ctx: Ctx): Promise<ImportSource> {
  const { settings } = ctx.services;
  const format =
    kwargs.options?.format === undefined
      ? undefined
      : kwargs.options.format === 'csv'
        ? 'csv'
        : 'jsonl';
  if ((kwargs.file_path === undefined) === (kwargs.url === undefined))
    throw new PermanentError('give exactly one of file_path or url', 'bad_source', {
      excType: 'ValueError',
    });
  if (kwargs.url !== undefined)
    return urlSource(
      settings.importUrlAllowlist,
      settings.importsDir,
      kwargs.url,
      safeName(ctx.taskId),
      format,
    );
  return fileSource(settings.importsDir, kwargs.file_path ?? '', format);
}

async function importChunks(
  kwargs: Kwargs,
  ctx: Ctx,
  source: ImportSource,
  report: ErrorReport,
  committed: ImportState,
): Promise<ImportState> {
  const options = kwargs.options ?? {};
  let state = committed;
  let lastProgress = 0;
  const { port1: port, port2 } = new MessageChannel();
  const chunks = messages(port);
  const reading = ctx.services.threads.run<void>(
    'readChunks',
    {
      port: port2,
      source: source.spec,
      format: source.format,
      ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : {}),
      hasHeader: options.has_header ?? true,
      importType: kwargs.import_type,
      batchSize: options.batch_size ?? 500,
      resumeFrom: committed.chunks,
      withRows: !(options.dry_run ?? false),
    } satisfies ReadChunksInput,
    { signal: ctx.signal, graceMs: softToHardMs(batchDataImportTask), transferList: [port2] },
  );
  // A reader that dies (terminated at the hard limit, out of memory) ends the wait for its
  // next message. One that returns has sent its last message already ('end' or 'failed'), on
  // the port, which may arrive after piscina's answer: only a failure may cut the wait short.
  const readerDied = reading.then(() => new Promise<never>(() => undefined));
  readerDied.catch(() => undefined);
  try {
    for (;;) {
      const message = await Promise.race([chunks.next(), readerDied]);
      if (message.kind === 'end') break;
      if (message.kind === 'failed') throw readerError(message);
      state = await commitChunk(kwargs, ctx, report, state, message);
      if (Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = Date.now();
        await ctx.reportProgress(progressOf(state));
      }
      if (ctx.signal.aborted) throw stop(state);
      port.postMessage('next');
    }
    await reading;
    return state;
  } catch (err) {
    if (stoppedEarly(ctx.signal)) throw stop(state);
    throw err;
  } finally {
    port.postMessage('stop');
    port.close();
    await reading.catch(() => undefined);
  }
}

/** The reader's messages, in order. */
function messages(port: MessagePort): { next(): Promise<ChunkMessage | EndMessage> } {
  const queue: (ChunkMessage | EndMessage)[] = [];
  let wake: (() => void) | null = null;
  port.on('message', (message: ChunkMessage | EndMessage) => {
    queue.push(message);
    wake?.();
  });
  return {
    next: async () => {
      while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      return queue.shift()!;
    },
  };
}

/** The reader's failure as burrow's own error again (classes do not cross threads). */
function readerError(failure: Extract<EndMessage, { kind: 'failed' }>): Error {
  return failure.retryable
    ? new RetryableError(failure.message, failure.code)
    : new PermanentError(failure.message, failure.code, { excType: 'ValueError' });
}

async function commitChunk(
  kwargs: Kwargs,
  ctx: Ctx,
  report: ErrorReport,
  state: ImportState,
  chunk: ChunkMessage,
): Promise<ImportState> {
  const dryRun = kwargs.options?.dry_run ?? false;
  const counts =
    dryRun || chunk.validCount === 0
      ? { imported: dryRun ? chunk.validCount : 0, updated: 0, skipped: 0 }
      : await postChunk(kwargs, ctx, chunk.index, chunk.valid);
  await report.append(chunk.errors);
  const next: ImportState = {
    chunks: chunk.index + 1,
    rows: state.rows + chunk.rows,
    imported: state.imported + counts.imported,
    updated: state.updated + counts.updated,
    skipped: state.skipped + counts.skipped,
    failed: state.failed + chunk.failedRows,
    errorBytes: report.bytes,
    errors: [
      ...state.errors,
      ...chunk.errors
        .slice(0, MAX_ERRORS_IN_RESULT - state.errors.length)
        .map((e) => ({ row: e.line, error: e.field ? `${e.field}: ${e.reason}` : e.reason })),
    ],
  };
  await ctx.services.imports.set(ctx.taskId, next);
  return next;
}

/** POSTs one chunk's valid rows; the backend may say how many it created, updated or skipped. */
async function postChunk(
  kwargs: Kwargs,
  ctx: Ctx,
  index: number,
  rows: readonly Record<string, unknown>[],
): Promise<{ imported: number; updated: number; skipped: number }> {
  const { backend, settings } = ctx.services;
  const path = settings.importPath.replaceAll(
    '{import_type}',
    encodeURIComponent(kwargs.import_type),
  );
  const response = await backend.call(
    'POST',
    path,
    {
      import_type: kwargs.import_type,
      chunk: index,
      update_existing: kwargs.options?.update_existing ?? false,
      rows,
    },
    { signal: ctx.signal, idempotencyKey: `${ctx.taskId}:${index}` },
  );
  const answer = (response.body ?? {}) as Record<string, unknown>;
  const count = (key: string, fallback: number) =>
    typeof answer[key] === 'number' && Number.isInteger(answer[key]) ? answer[key] : fallback;
  return {
    imported: count('imported', rows.length),
    updated: count('updated', 0),
    skipped: count('skipped', 0),
  };
}

function progressOf(state: ImportState): Record<string, unknown> {
  return {
    rows: state.rows,
    imported: state.imported,
    failed: state.failed,
    chunks: state.chunks,
  };
}

function stop(state: ImportState): ContinueLater {
  return new ContinueLater(`import paused after ${state.rows} rows (${state.chunks} chunks)`, {
    afterSeconds: 1,
    progress: progressOf(state),
  });
}

function resultOf(kwargs: Kwargs, state: ImportState, errorReport: string | null): Result {
  return {
    import_type: kwargs.import_type,
    total_rows: state.rows,
    imported: state.imported,
    updated: state.updated,
    skipped: state.skipped,
    failed: state.failed,
    errors: state.errors,
    error_report: errorReport,
    chunks: state.chunks,
    dry_run: kwargs.options?.dry_run ?? false,
  };
}
