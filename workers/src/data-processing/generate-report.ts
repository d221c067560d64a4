import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { generateReportTask, type KwargsOf, type ResultOf } from '@burrow/contracts';
import { ContinueLater, type TaskContext } from '@burrow/shared';
import type { FileLease } from '../providers/files-in-use';
import { fetchPage } from './report-pages';
import { REPORT_EXTENSIONS } from './report-formats';
import type { RenderInput, RenderOutput } from './report-render';
import type { DataProcessingServices } from './services';
import type { ReportState } from './states';
import { safeName, softToHardMs, stoppedEarly } from './task-files';

type Kwargs = KwargsOf<typeof generateReportTask>;
type Result = ResultOf<typeof generateReportTask>;
type Ctx = TaskContext<DataProcessingServices>;

const START: ReportState = { next: { page: 1, cursor: null }, rows: 0, spoolBytes: 0, columns: [] };

/** The files of one report: the spool of fetched rows, and the report itself. */
export function reportPaths(
  reportsDir: string,
  kwargs: Pick<Kwargs, 'report_type' | 'format'>,
  taskId: string,
): { spool: string; out: string } {
  const base = `${kwargs.report_type}-${safeName(taskId)}`;
  return {
    spool: path.join(reportsDir, `.${base}.rows.jsonl`),
    out: path.join(reportsDir, `${base}.${REPORT_EXTENSIONS[kwargs.format ?? 'csv']}`),
  };
}

/**
 * tasks.data_processing_tasks.generate_report_task: pages the report type's rows from the
 * backend (BACKEND_REPORT_PATHS) into a spool file, one page at a time, committing in Redis
 * after each page is written; then renders the spool as CSV, JSON Lines or XLSX in a worker
 * thread, into REPORTS_DIR as `<report_type>-<task id>.<ext>`. A crash, a retry or the soft
 * limit (which continues the task later) resumes at the page after the last one written. Both
 * files are held in files-in-use while written, so cleanup never deletes them.
 */
export async function generateReport(kwargs: Kwargs, ctx: Ctx): Promise<Result> {
  const { settings, reports, filesInUse } = ctx.services;
  const state = (await reports.get(ctx.taskId)) ?? START;
  if (state.result) return state.result;
  await mkdir(settings.reportsDir, { recursive: true });
  const files = reportPaths(settings.reportsDir, kwargs, ctx.taskId);
  const leases: FileLease[] = [];
  try {
    leases.push(await filesInUse.hold(files.spool), await filesInUse.hold(files.out));
    const fetched = await spoolPages(kwargs, ctx, files.spool, state);
    const rendered = await ctx.services.threads.run<RenderOutput>(
      'renderReport',
      {
        spoolPath: files.spool,
        outPath: files.out,
        format: kwargs.format ?? 'csv',
        columns: fetched.columns,
        title: kwargs.report_type,
      } satisfies RenderInput,
      { signal: ctx.signal, graceMs: softToHardMs(generateReportTask) },
    );
    const result: Result = {
      report_type: kwargs.report_type,
      format: kwargs.format ?? 'csv',
      location: files.out,
      row_count: rendered.rows,
      size_bytes: rendered.bytes,
      sha256: rendered.sha256,
      generated_at: new Date(ctx.services.now()).toISOString(),
    };
    await reports.set(ctx.taskId, { ...fetched, result });
    await rm(files.spool, { force: true });
    ctx.logger.info('report written', { rows: result.row_count, bytes: result.size_bytes });
    return result;
  } catch (err) {
    if (stoppedEarly(ctx.signal)) throw await pause(ctx);
    throw err;
  } finally {
    await Promise.all(leases.map((lease) => lease.release()));
  }
}

/** Appends pages to the spool until the last one; returns the state after it. */
async function spoolPages(
  kwargs: Kwargs,
  ctx: Ctx,
  spoolPath: string,
  from: ReportState,
): Promise<ReportState> {
  const { backend, settings, reports } = ctx.services;
  if (from.next === null) return from;
  let state = from;
  const spool: FileHandle = await open(spoolPath, 'a+');
  try {
    await spool.truncate(state.spoolBytes); // a crashed attempt's page after the last commit
    while (state.next !== null) {
      if (ctx.signal.aborted) throw ctx.signal.reason as Error;
      const page = await fetchPage(
        backend,
        settings.reportPaths[kwargs.report_type],
        kwargs.params ?? {},
        state.next,
        settings.reportPageSize,
        ctx.signal,
      );
      const text = page.rows.map((row) => `${JSON.stringify(row)}\n`).join('');
      const { bytesWritten } = await spool.write(text);
      const columns = new Set(state.columns);
      for (const row of page.rows) for (const key of Object.keys(row)) columns.add(key);
      state = {
        next: page.next,
        rows: state.rows + page.rows.length,
        spoolBytes: state.spoolBytes + bytesWritten,
        columns: [...columns],
      };
      await reports.set(ctx.taskId, state);
      await ctx.reportProgress({ rows_written: state.rows });
    }
    return state;
  } finally {
    await spool.close();
  }
}

async function pause(ctx: Ctx): Promise<ContinueLater> {
  const state = (await ctx.services.reports.get(ctx.taskId)) ?? START;
  return new ContinueLater(`report paused after ${state.rows} rows`, {
    afterSeconds: 1,
    progress: { rows_written: state.rows },
  });
}
