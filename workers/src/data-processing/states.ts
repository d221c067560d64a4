import type { ResultOf, batchDataImportTask, generateReportTask } from '@burrow/contracts';

/** What an import has committed: every chunk up to `chunks` is posted and counted. */
export interface ImportState {
  /** Chunks (of batch_size file rows each) committed. */
  readonly chunks: number;
  /** File rows in those chunks. */
  readonly rows: number;
  readonly imported: number;
  readonly updated: number;
  readonly skipped: number;
  /** Rows refused by validation. */
  readonly failed: number;
  /** Size of the error report after the last committed chunk. */
  readonly errorBytes: number;
  /** The first 100 refusals, for the result. */
  readonly errors: ResultOf<typeof batchDataImportTask>['errors'];
  /** Set once the import is complete: a redelivery returns it. */
  readonly result?: ResultOf<typeof batchDataImportTask>;
}

/** Where a report's fetch stands: every page before `next` is in the spool. */
export interface ReportState {
  /** The next page to fetch, or null once the last one is spooled. */
  readonly next: { readonly page: number; readonly cursor: string | null } | null;
  readonly rows: number;
  /** Size of the spool after the last page written. */
  readonly spoolBytes: number;
  /** Every key seen in the rows so far, in order of first appearance. */
  readonly columns: readonly string[];
  /** Set once the report is complete: a redelivery returns it. */
  readonly result?: ResultOf<typeof generateReportTask>;
}
