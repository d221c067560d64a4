import path from 'node:path';
import { ConfigError, list, type ConfigFragment } from '@burrow/shared';

/** The report types of the catalogue; each reads its rows from a backend path. */
export const REPORT_TYPES = ['user_activity', 'sales', 'email_delivery', 'task_stats'] as const;
export type ReportType = (typeof REPORT_TYPES)[number];

/** What the data-processing family reads. */
export interface DataProcessingConfig {
  /** REPORTS_DIR: where reports are written, absolute (resolved against the cwd at start). */
  readonly reportsDir: string;
  /** IMPORTS_DIR: the only folder `file_path` imports may read from, absolute. */
  readonly importsDir: string;
  /** IMPORT_URL_ALLOWLIST: URL prefixes an import `url` must start with; empty = no URLs. */
  readonly importUrlAllowlist: readonly string[];
  /** BACKEND_USER_DATA_PATH: where each user-data operation POSTs its outcome. */
  readonly userDataPath: string;
  /** BACKEND_IMPORT_PATH: where valid import rows are POSTed, chunk by chunk. */
  readonly importPath: string;
  /** BACKEND_EXCHANGE_RATES_PATH: the seed's exchange-rate trigger. */
  readonly exchangeRatesPath: string;
  /** BACKEND_REPORT_PATHS: the backend path each report type's rows are paged from. */
  readonly reportPaths: Readonly<Record<ReportType, string>>;
  /** REPORT_PAGE_SIZE: rows asked for per backend page. */
  readonly reportPageSize: number;
  /** DATA_PROCESSING_THREADS: worker threads for CPU-heavy steps (validation, rendering). */
  readonly threads: number;
}

export const dataProcessingConfig: ConfigFragment<DataProcessingConfig> = {
  schema: {
    reportsDir: {
      doc: "Folder generated reports are written to (relative = to the worker's cwd)",
      format: String,
      default: 'reports',
      env: 'REPORTS_DIR',
    },
    importsDir: {
      doc: "The only folder batch_data_import_task reads file_path from (relative = to the worker's cwd); symlinks and .. out of it are refused",
      format: String,
      default: 'imports',
      env: 'IMPORTS_DIR',
    },
    importUrlAllowlist: {
      doc: 'Comma-separated http(s) URL prefixes an import url must start with; empty = imports by URL refused',
      format: String,
      default: '',
      env: 'IMPORT_URL_ALLOWLIST',
    },
    userDataPath: {
      doc: 'Backend path process_user_data_task POSTs each outcome to ({user_id} and {data_type} are filled in)',
      format: String,
      default: '/internal/users/{user_id}/data/{data_type}',
      env: 'BACKEND_USER_DATA_PATH',
    },
    importPath: {
      doc: 'Backend path batch_data_import_task POSTs valid rows to, one chunk per call ({import_type} is filled in)',
      format: String,
      default: '/internal/imports/{import_type}',
      env: 'BACKEND_IMPORT_PATH',
    },
    exchangeRatesPath: {
      doc: "Backend path update_exchange_rates_task POSTs to (the seed service's trigger)",
      format: String,
      default: '/internal/exchange-rates/update',
      env: 'BACKEND_EXCHANGE_RATES_PATH',
    },
    reportPaths: {
      doc: 'Comma-separated report_type=path overrides of where report rows are paged from; default /internal/reports/<report_type>/rows',
      format: String,
      default: '',
      env: 'BACKEND_REPORT_PATHS',
    },
    reportPageSize: {
      doc: 'Rows generate_report_task asks the backend for per page',
      format: 'nat',
      default: 1000,
      env: 'REPORT_PAGE_SIZE',
    },
    threads: {
      doc: 'Worker threads of a data_processing worker for CPU-heavy steps (row validation, report rendering)',
      format: 'nat',
      default: 2,
      env: 'DATA_PROCESSING_THREADS',
    },
  },
  build: (values) => ({
    reportsDir: path.resolve(String(values.reportsDir)),
    importsDir: path.resolve(String(values.importsDir)),
    importUrlAllowlist: urlPrefixes(String(values.importUrlAllowlist)),
    userDataPath: String(values.userDataPath),
    importPath: String(values.importPath),
    exchangeRatesPath: String(values.exchangeRatesPath),
    reportPaths: reportPaths(String(values.reportPaths)),
    reportPageSize: positive('REPORT_PAGE_SIZE', Number(values.reportPageSize)),
    threads: positive('DATA_PROCESSING_THREADS', Number(values.threads)),
  }),
};

function positive(variable: string, value: number): number {
  if (value < 1) throw new ConfigError(`${variable}: must be 1 or more, got ${value}`);
  return value;
}

/**
 * Each prefix must be an absolute http(s) URL naming at least its origin and ending its path
 * with `/` or naming a file: `https://data.example.com/` allows that host only, never
 * `https://data.example.com.evil.net/`.
 */
function urlPrefixes(value: string): string[] {
  return list(value).map((prefix) => {
    let parsed: URL;
    try {
      parsed = new URL(prefix);
    } catch {
      throw new ConfigError(`IMPORT_URL_ALLOWLIST: "${prefix}" is not an absolute URL`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      throw new ConfigError(`IMPORT_URL_ALLOWLIST: "${prefix}" is not an http(s) URL`);
    return parsed.href;
  });
}

function reportPaths(value: string): Record<ReportType, string> {
  const paths = Object.fromEntries(
    REPORT_TYPES.map((type) => [type, `/internal/reports/${type}/rows`]),
  ) as Record<ReportType, string>;
  for (const entry of list(value)) {
    const [type, target] = entry.split('=').map((s) => s.trim());
    if (!type || !target || !(REPORT_TYPES as readonly string[]).includes(type))
      throw new ConfigError(
        `BACKEND_REPORT_PATHS: "${entry}" must be <report_type>=<path>, report_type one of ${REPORT_TYPES.join(', ')}`,
      );
    paths[type as ReportType] = target;
  }
  return paths;
}
