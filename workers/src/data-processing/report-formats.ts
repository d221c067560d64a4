/** The file formats a report is written in. */
export type ReportFormat = 'csv' | 'json' | 'xlsx';

/** The extension of each format: `json` reports are JSON Lines, one row object per line. */
export const REPORT_EXTENSIONS: Readonly<Record<ReportFormat, string>> = {
  csv: 'csv',
  json: 'jsonl',
  xlsx: 'xlsx',
};
