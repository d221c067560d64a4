import type { MessagePort } from 'node:worker_threads';
import { fieldsOf, validateRow, type ImportType, type RowError } from './import-schemas';
import type { SourceSpec } from './import-source';
import { openSource, SourceError } from './source-open';
import { readRows } from './import-rows';

export interface ReadChunksInput {
  /** Where chunks go, one at a time; the reader waits for 'next' before sending another. */
  readonly port: MessagePort;
  readonly source: SourceSpec;
  readonly format: 'csv' | 'jsonl';
  readonly delimiter?: string;
  readonly hasHeader: boolean;
  readonly importType: ImportType;
  /** File rows per chunk. */
  readonly batchSize: number;
  /** Chunks an earlier attempt committed: read past, never checked or sent again. */
  readonly resumeFrom: number;
  /** Send the valid rows themselves (false in a dry run: counts are enough). */
  readonly withRows: boolean;
}

/** One checked chunk, as the reader sends it. */
export interface ChunkMessage {
  readonly kind: 'chunk';
  readonly index: number;
  /** File rows in the chunk. */
  readonly rows: number;
  readonly valid: Record<string, unknown>[];
  readonly validCount: number;
  /** Refused fields, by line. */
  readonly errors: RowError[];
  /** Rows refused (a row may have several errors). */
  readonly failedRows: number;
}

/** The reader's last message: the file is read, or it could not be. */
export type EndMessage =
  | { readonly kind: 'end'; readonly chunks: number }
  | {
      readonly kind: 'failed';
      readonly message: string;
      readonly code: string;
      readonly retryable: boolean;
    };

/**
 * The import's reading half, run in a worker thread: opens the checked source, streams it
 * (csv-parse or JSON Lines), checks each row against the import type's schema and sends each
 * chunk of `batchSize` rows over `port`. It prepares the next chunk while the main thread posts
 * the last one, and sends it only once that one is acknowledged ('next'), so at most two chunks
 * exist at a time whatever the file's size. 'stop' (or the port closing) ends it early. Parsing
 * garbage stays in this thread's small heap, off the event loop that acks and heartbeats; the
 * module loads no more than it needs (not @burrow/shared), as each thread pays for its imports.
 */
export async function readChunks(input: ReadChunksInput): Promise<void> {
  const { port } = input;
  const acks = ackQueue(port);
  const controller = new AbortController();
  try {
    const stream = await openSource(input.source, controller.signal);
    try {
      const read = readRows(stream, {
        format: input.format,
        ...(input.delimiter !== undefined ? { delimiter: input.delimiter } : {}),
        hasHeader: input.hasHeader,
        columns: fieldsOf(input.importType),
      });
      let index = 0;
      let chunk = startChunk(index);
      let waiting = false; // a chunk was sent and not yet acknowledged
      const send = async (message: ChunkMessage) => {
        if (waiting && !(await acks.next())) return false;
        port.postMessage(message);
        waiting = true;
        return true;
      };
      for await (const [line, row] of read.rows) {
        chunk.rows++;
        if (index >= input.resumeFrom) check(chunk, input, read.columns(), line, row);
        if (chunk.rows < input.batchSize) continue;
        if (index >= input.resumeFrom && !(await send(chunk))) return;
        chunk = startChunk(++index);
      }
      if (chunk.rows > 0 && index >= input.resumeFrom) {
        if (!(await send(chunk))) return;
        index++;
      } else if (chunk.rows > 0) index++;
      if (waiting && !(await acks.next())) return;
      port.postMessage({ kind: 'end', chunks: index } satisfies EndMessage);
    } finally {
      stream.destroy();
    }
  } catch (err) {
    const known = err instanceof SourceError;
    const system = (err as { code?: unknown } | null)?.code;
    port.postMessage({
      kind: 'failed',
      message: err instanceof Error ? err.message : String(err),
      // A file that vanished or cannot be read is the caller's to fix; so is a broken file.
      code: known ? err.code : typeof system === 'string' ? system : 'invalid_file',
      retryable: known ? err.retryable : false,
    } satisfies EndMessage);
  } finally {
    controller.abort();
    acks.close();
  }
}

type MutableChunk = { -readonly [K in keyof ChunkMessage]: ChunkMessage[K] };

function startChunk(index: number): MutableChunk {
  return { kind: 'chunk', index, rows: 0, valid: [], validCount: 0, errors: [], failedRows: 0 };
}

function check(
  chunk: MutableChunk,
  input: ReadChunksInput,
  columns: readonly string[] | null,
  line: number,
  row: unknown,
): void {
  if (row instanceof Error) {
    chunk.errors.push({ line, field: '', reason: row.message });
    chunk.failedRows++;
    return;
  }
  const record = columns !== null && Array.isArray(row) ? named(columns, row) : row;
  const checked = validateRow(input.importType, record, line);
  if (checked.ok) {
    chunk.validCount++;
    if (input.withRows) chunk.valid.push(checked.value);
  } else {
    chunk.errors.push(...checked.errors);
    chunk.failedRows++;
  }
}

function named(columns: readonly string[], cells: readonly unknown[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (let i = 0; i < columns.length; i++) record[columns[i] ?? ''] = cells[i];
  return record;
}

/** 'next' answers from the main thread, in order; false once it said 'stop' or went away. */
function ackQueue(port: MessagePort): { next(): Promise<boolean>; close(): void } {
  const answers: boolean[] = [];
  let wake: (() => void) | null = null;
  const push = (answer: boolean) => {
    answers.push(answer);
    wake?.();
  };
  port.on('message', (message: unknown) => push(message === 'next'));
  port.on('close', () => push(false));
  return {
    next: async () => {
      while (answers.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      return answers.shift() ?? false;
    },
    close: () => port.close(),
  };
}
