import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';

export interface RowReadOptions {
  readonly format: 'csv' | 'jsonl';
  /** @default ',' */
  readonly delimiter?: string;
  /** The first CSV line names the columns. @default true */
  readonly hasHeader?: boolean;
  /** Column names of a headerless CSV (the schema's fields, in order). */
  readonly columns: readonly string[];
}

/**
 * One record and the line it starts on: a CSV record as its cells (named by `columns`), a JSON
 * Lines record as its value, or an Error saying why it could not be read.
 */
export type NumberedRow = readonly [line: number, row: unknown];

/** What `readRows` yields: the column names once known, then the rows. */
export interface RowStream {
  /** CSV column names (the header's, or the schema's); null for JSON Lines. */
  columns(): readonly string[] | null;
  rows: AsyncGenerator<NumberedRow>;
}

/**
 * Streams a CSV (csv-parse) or JSON Lines source as numbered rows, one at a time: memory stays
 * constant whatever the file's size. A record that cannot be read (bad JSON, a broken quote,
 * more cells than columns) is yielded as an Error for the error report, and reading goes on.
 */
export function readRows(input: Readable, options: RowReadOptions): RowStream {
  if (options.format === 'jsonl') return { columns: () => null, rows: jsonLines(input) };
  let columns: readonly string[] | null = options.hasHeader === false ? options.columns : null;
  return { columns: () => columns, rows: csvRows(input, options, (c) => (columns = c)) };
}

/**
 * CSV records as arrays of cells (cheaper to build than objects, named only once checked), each
 * with its line: counted here, one per record plus the line breaks inside its quoted cells, and
 * set from csv-parse's own count where it skips a malformed record. csv-parse's per-record
 * `info` would say the same at several times the cost.
 */
async function* csvRows(
  input: Readable,
  options: RowReadOptions,
  setColumns: (columns: readonly string[]) => void,
): AsyncGenerator<NumberedRow> {
  const skipped: [number, Error][] = [];
  const parser = input.pipe(
    parse({
      delimiter: options.delimiter ?? ',',
      bom: true,
      relax_column_count: true,
      skip_records_with_error: true,
      on_skip: (err: { code?: string; lines?: number; message: string } | undefined) => {
        if (err)
          skipped.push([
            err.lines ?? 0,
            new Error(`is not valid CSV (${err.code ?? err.message})`),
          ]);
      },
    }),
  );
  input.on('error', (err) => parser.destroy(err));
  let width = options.hasHeader === false ? options.columns.length : -1;
  let next = 1; // the line the next record starts on
  for await (const cells of parser as AsyncIterable<string[]>) {
    while (skipped.length > 0 && (skipped[0]?.[0] ?? Infinity) <= next) {
      const [line, error] = skipped.shift()!;
      yield [line, error];
      next = line + 1;
    }
    const line = next;
    next += 1 + lineBreaks(cells);
    if (cells.length === 1 && cells[0] === '') continue; // an empty line
    if (width < 0) {
      const header = cells.map((c) => c.trim());
      setColumns(header);
      width = header.length;
      continue;
    }
    yield [line, cells.length > width ? new Error('has more cells than there are columns') : cells];
  }
  yield* skipped;
}

function lineBreaks(cells: readonly string[]): number {
  let breaks = 0;
  for (const cell of cells) {
    for (let at = cell.indexOf('\n'); at !== -1; at = cell.indexOf('\n', at + 1)) breaks++;
  }
  return breaks;
}

async function* jsonLines(input: Readable): AsyncGenerator<NumberedRow> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    try {
      yield [line, JSON.parse(text) as unknown];
    } catch {
      yield [line, new Error('is not valid JSON')];
    }
  }
}
