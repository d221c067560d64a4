import { open, type FileHandle } from 'node:fs/promises';
import { csvCell } from './csv-cell';
import type { RowError } from './import-schemas';

const HEADER = 'line,field,reason\n';

/**
 * The row-level error report of an import, a CSV of `line,field,reason`, appended chunk by
 * chunk. Opened at the size the last committed chunk left it (anything after is a crashed
 * attempt's and is cut), so a resumed import lists each error once.
 */
export class ErrorReport {
  private constructor(
    private readonly handle: FileHandle,
    private size: number,
  ) {}

  static async open(path: string, committedBytes: number): Promise<ErrorReport> {
    const handle = await open(path, 'a+');
    try {
      await handle.truncate(committedBytes);
      const report = new ErrorReport(handle, committedBytes);
      if (committedBytes === 0) await report.write(HEADER);
      return report;
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** Bytes written so far: what a commit records. */
  get bytes(): number {
    return this.size;
  }

  async append(errors: readonly RowError[]): Promise<void> {
    if (errors.length === 0) return;
    await this.write(
      errors.map((e) => `${e.line},${csvCell(e.field)},${csvCell(e.reason)}\n`).join(''),
    );
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  private async write(text: string): Promise<void> {
    const buffer = Buffer.from(text);
    await this.handle.write(buffer, 0, buffer.length, this.size);
    this.size += buffer.length;
  }
}
