import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import ExcelJS from 'exceljs';
import { csvCell } from './csv-cell';

import type { ReportFormat } from './report-formats';

export interface RenderInput {
  /** JSON Lines of the report's rows, as fetched. */
  readonly spoolPath: string;
  readonly outPath: string;
  readonly format: ReportFormat;
  /** Header order: every key seen in the rows, in order of first appearance. */
  readonly columns: readonly string[];
  /** Worksheet name of an XLSX report. */
  readonly title: string;
}

export interface RenderOutput {
  readonly rows: number;
  readonly bytes: number;
  readonly sha256: string;
}

/**
 * Turns the spooled rows into the report file, streaming both ways: one row in memory at a
 * time, the XLSX through exceljs's streaming writer. Written to `<out>.part` and renamed, so a
 * reader never sees half a report. Runs in a worker thread (rendering is the CPU-heavy part).
 */
export async function renderReport(input: RenderInput): Promise<RenderOutput> {
  const partial = `${input.outPath}.part`;
  const rows =
    input.format === 'xlsx'
      ? await renderXlsx(input, partial)
      : await renderText(input, partial, input.format === 'csv');
  await rename(partial, input.outPath);
  const [bytes, sha256] = await Promise.all([
    stat(input.outPath).then((s) => s.size),
    sha256Of(input.outPath),
  ]);
  return { rows, bytes, sha256 };
}

async function* spooledRows(spoolPath: string): AsyncGenerator<Record<string, unknown>> {
  const lines = createInterface({ input: createReadStream(spoolPath), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line !== '') yield JSON.parse(line) as Record<string, unknown>;
  }
}

async function renderText(input: RenderInput, out: string, csv: boolean): Promise<number> {
  const file = createWriteStream(out);
  let rows = 0;
  if (csv) await write(file, `${input.columns.map(csvCell).join(',')}\r\n`);
  for await (const row of spooledRows(input.spoolPath)) {
    const line = csv
      ? `${input.columns.map((c) => csvCell(row[c])).join(',')}\r\n`
      : `${JSON.stringify(row)}\n`;
    await write(file, line);
    rows++;
  }
  file.end();
  await finished(file);
  return rows;
}

async function renderXlsx(input: RenderInput, out: string): Promise<number> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    filename: out,
    useSharedStrings: false,
    useStyles: true,
  });
  const sheet = workbook.addWorksheet(input.title.slice(0, 31) || 'report');
  const header = sheet.addRow([...input.columns]);
  header.font = { bold: true };
  header.commit();
  let rows = 0;
  for await (const row of spooledRows(input.spoolPath)) {
    sheet.addRow(input.columns.map((c) => xlsxCell(row[c]))).commit();
    rows++;
  }
  sheet.commit();
  await workbook.commit();
  return rows;
}

/** Writes, waiting for the stream to drain when its buffer is full (constant memory). */
async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

function xlsxCell(value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** SHA-256 of a file's bytes, hex, read as a stream. */
export async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
