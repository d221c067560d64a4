import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';
import { PermanentError } from '@burrow/shared';

/** What to open, once checked: plain data, so the thread that reads it can be handed it. */
export type SourceSpec =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'url'; readonly href: string };

/** Where an import reads from, once checked. */
export interface ImportSource {
  readonly spec: SourceSpec;
  /** Where the row-level error report goes: beside the file, or in IMPORTS_DIR for a URL. */
  readonly errorReportPath: string;
  /** `csv` or `jsonl`, from the options or the name's extension. */
  readonly format: 'csv' | 'jsonl';
}

const refuse = (message: string, code: string) =>
  new PermanentError(message, code, { excType: 'PermissionError' });

/**
 * Resolves `file_path` inside IMPORTS_DIR and refuses anything that could leave it: a `..`
 * segment, an absolute path elsewhere, a symlink anywhere below IMPORTS_DIR (the real path must
 * be the path as written), a non-regular file.
 */
export async function fileSource(
  importsDir: string,
  filePath: string,
  format: 'csv' | 'jsonl' | undefined,
): Promise<ImportSource> {
  if (filePath.split(/[\\/]+/).includes('..'))
    throw refuse(`file_path ${JSON.stringify(filePath)} contains "..": refused`, 'path_traversal');
  let root: string;
  try {
    root = await realpath(importsDir);
  } catch {
    throw new PermanentError(`IMPORTS_DIR ${importsDir} does not exist`, 'no_imports_dir');
  }
  const wanted = path.resolve(root, filePath);
  const relative = path.relative(root, wanted);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative))
    throw refuse(
      `file_path ${JSON.stringify(filePath)} is outside IMPORTS_DIR: refused`,
      'path_outside_imports',
    );
  let real: string;
  try {
    real = await realpath(wanted);
  } catch {
    throw new PermanentError(
      `file_path ${JSON.stringify(filePath)}: no such file in IMPORTS_DIR`,
      'file_not_found',
      {
        excType: 'FileNotFoundError',
      },
    );
  }
  if (real !== wanted)
    throw refuse(
      `file_path ${JSON.stringify(filePath)} goes through a symlink: refused`,
      'symlink_refused',
    );
  if (!(await lstat(real)).isFile())
    throw refuse(`file_path ${JSON.stringify(filePath)} is not a regular file`, 'not_a_file');
  return {
    spec: { kind: 'file', path: real },
    errorReportPath: `${real}.errors.csv`,
    format: format ?? formatOf(real),
  };
}

/**
 * Checks `url` against IMPORT_URL_ALLOWLIST (the normalised URL must start with one prefix, so
 * `https://host@evil/` or `https://host.evil/` do not pass for `https://host/`).
 */
export function urlSource(
  allowlist: readonly string[],
  importsDir: string,
  url: string,
  reportName: string,
  format: 'csv' | 'jsonl' | undefined,
): ImportSource {
  let href: string;
  try {
    href = new URL(url).href;
  } catch {
    throw refuse(`url ${JSON.stringify(url)} is not a URL`, 'url_not_allowed');
  }
  if (!allowlist.some((prefix) => href.startsWith(prefix)))
    throw refuse(
      allowlist.length === 0
        ? 'imports by url are off: IMPORT_URL_ALLOWLIST is empty'
        : `url ${href} is not under IMPORT_URL_ALLOWLIST`,
      'url_not_allowed',
    );
  return {
    spec: { kind: 'url', href },
    errorReportPath: path.join(importsDir, `${reportName}.errors.csv`),
    format: format ?? formatOf(new URL(href).pathname),
  };
}

function formatOf(name: string): 'csv' | 'jsonl' {
  return /\.(jsonl|ndjson|json)$/i.test(name) ? 'jsonl' : 'csv';
}
