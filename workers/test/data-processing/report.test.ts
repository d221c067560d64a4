import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import { ContinueLater, RetryableError } from '@burrow/shared';
import { generateReport, reportPaths } from '../../src/data-processing/generate-report';
import { FilesInUse } from '../../src/providers/files-in-use';
import { reportRow } from './fake-data-backend';
import { API_KEY, startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    REPORT_PAGE_SIZE: '5000',
    BACKEND_REPORT_PATHS: 'sales=/internal/sales/rows,task_stats=/internal/stats/rows',
  });
  h.backend.reports.set('/internal/reports/user_activity/rows', { total: 100_000 });
  h.backend.reports.set('/internal/sales/rows', { total: 12_345, cursor: true });
  h.backend.reports.set('/internal/stats/rows', { total: 30_000 });
});
afterAll(() => h.close());

const sha256 = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

describe('generate_report_task', () => {
  it('100 000 rows as CSV: paged from the backend, read back row by row', async () => {
    const ctx = h.ctx();
    const result = await generateReport(
      { report_type: 'user_activity', params: { date_from: '2024-01-01' }, format: 'csv' },
      ctx,
    );
    expect(result).toMatchObject({
      report_type: 'user_activity',
      format: 'csv',
      location: `${h.reportsDir}/user_activity-${ctx.taskId}.csv`,
      row_count: 100_000,
    });
    expect(result.size_bytes).toBe((await stat(result.location)).size);
    expect(result.sha256).toBe(await sha256(result.location));
    const pages = h.backend.receivedOn('/internal/reports/user_activity/rows');
    expect(pages).toHaveLength(20);
    expect(pages[0]?.query.get('date_from')).toBe('2024-01-01');
    expect(pages[0]?.apiKey).toBe(API_KEY);
    expect(pages.map((p) => p.query.get('page'))).toEqual(
      Array.from({ length: 20 }, (_, i) => String(i + 1)),
    );
    let n = 0;
    const mismatches: number[] = [];
    for await (const record of createReadStream(result.location).pipe(parse({ columns: true }))) {
      const expected = reportRow(n);
      const same =
        JSON.stringify(record) ===
        JSON.stringify({
          id: String(expected.id),
          name: expected.name,
          amount: String(expected.amount),
          active: String(expected.active),
          created_at: expected.created_at,
        });
      if (!same) mismatches.push(n);
      n++;
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(n).toBe(100_000);
    expect(ctx.progress.at(-1)).toEqual({ rows_written: 100_000 });
  }, 60_000);

  it('100 000 rows as XLSX, through the streaming writer, opened back', async () => {
    const ctx = h.ctx();
    const result = await generateReport({ report_type: 'user_activity', format: 'xlsx' }, ctx);
    expect(result.location).toMatch(/\.xlsx$/);
    expect(result.row_count).toBe(100_000);
    expect(result.sha256).toBe(await sha256(result.location));
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(result.location, {});
    let rows = 0;
    let header: unknown[] = [];
    let last: unknown[] = [];
    for await (const sheet of reader) {
      for await (const row of sheet) {
        const values = (row.values as unknown[]).slice(1);
        if (rows === 0) header = values;
        last = values;
        rows++;
      }
    }
    expect(rows).toBe(100_001);
    expect(header).toEqual(['id', 'name', 'amount', 'active', 'created_at']);
    const expected = reportRow(99_999);
    expect(last).toEqual([
      expected.id,
      expected.name,
      expected.amount,
      expected.active,
      expected.created_at,
    ]);
  }, 90_000);

  it('JSON Lines, with cursor paging from a configured path', async () => {
    const ctx = h.ctx();
    const result = await generateReport({ report_type: 'sales', format: 'json' }, ctx);
    expect(result.location).toMatch(/\.jsonl$/);
    expect(result.row_count).toBe(12_345);
    const lines = (await readFile(result.location, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(12_345);
    expect(JSON.parse(lines[12_344] ?? '')).toEqual(reportRow(12_344));
    const cursors = h.backend.receivedOn('/internal/sales/rows').map((p) => p.query.get('cursor'));
    expect(cursors).toEqual([null, '5000', '10000']);
  });

  it('a backend failure mid-report retries; the next attempt resumes at the failed page', async () => {
    h.backend.fail('/internal/stats/rows', 502, 1, 3); // the fourth page
    const taskId = `report-${Date.now()}`;
    const first = await generateReport(
      { report_type: 'task_stats', format: 'csv' },
      h.ctx({ taskId }),
    ).catch((err: unknown) => err);
    expect(first).toBeInstanceOf(RetryableError);
    const ctx = h.ctx({ taskId });
    const result = await generateReport({ report_type: 'task_stats', format: 'csv' }, ctx);
    expect(result.row_count).toBe(30_000);
    const pages = h.backend
      .receivedOn('/internal/stats/rows')
      .map((p) => [p.query.get('page'), p.status]);
    expect(pages).toEqual([
      ['1', 200],
      ['2', 200],
      ['3', 200],
      ['4', 502],
      ['4', 200],
      ['5', 200],
      ['6', 200],
    ]);
    const ids = (await readFile(result.location, 'utf8'))
      .trim()
      .split('\r\n')
      .slice(1)
      .map((line) => Number(line.split(',')[0]));
    expect(ids).toEqual(Array.from({ length: 30_000 }, (_, i) => i + 1));
    // A redelivery of the finished task returns its result.
    await expect(generateReport({ report_type: 'task_stats' }, h.ctx({ taskId }))).resolves.toEqual(
      result,
    );
  });

  it('the soft limit pauses after the page in hand (ContinueLater); the continuation finishes', async () => {
    const taskId = `report-soft-${Date.now()}`;
    const controller = new AbortController();
    const ctx = h.ctx({ taskId, signal: controller.signal });
    let held = new Set<string>();
    const paused = generateReport(
      { report_type: 'user_activity', format: 'json' },
      {
        ...ctx,
        reportProgress: async (p) => {
          held = await new FilesInUse(h.redis, { keyPrefix: h.keyPrefix }).all();
          if ((p.rows_written as number) >= 10_000) controller.abort(new Error('soft limit'));
          await ctx.reportProgress(p);
        },
      },
    );
    await expect(paused).rejects.toBeInstanceOf(ContinueLater);
    expect(ctx.progress.at(-1)).toEqual({ rows_written: 10_000 });
    // Both files were held in files-in-use while written (cleanup skips them), then released.
    const files = reportPaths(
      h.reportsDir,
      { report_type: 'user_activity', format: 'json' },
      taskId,
    );
    expect([...held].sort()).toEqual(expect.arrayContaining([files.spool, files.out]));
    const after = await new FilesInUse(h.redis, { keyPrefix: h.keyPrefix }).all();
    expect(after.has(files.spool) || after.has(files.out)).toBe(false);
    const result = await generateReport(
      { report_type: 'user_activity', format: 'json' },
      h.ctx({ taskId }),
    );
    expect(result.row_count).toBe(100_000);
    const lines = (await readFile(result.location, 'utf8')).trim().split('\n');
    expect(new Set(lines.map((l) => (JSON.parse(l) as { id: number }).id)).size).toBe(100_000);
  }, 60_000);
});
