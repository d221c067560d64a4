import type { Dir } from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

/** One regular file a sweep considers, as `lstat` saw it. */
export interface SweepCandidate {
  readonly path: string;
  readonly name: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** The filesystem calls a sweep makes; node:fs/promises by default, wrapped in tests. */
export interface SweepFs {
  opendir(dir: string): Promise<Dir>;
  lstat(file: string): Promise<{ size: number; mtimeMs: number; isDirectory(): boolean }>;
  realpath(file: string): Promise<string>;
  unlink(file: string): Promise<void>;
  rmdir(dir: string): Promise<void>;
}

export interface SweepOptions {
  /** Absolute folders to sweep; they are never removed themselves. */
  readonly roots: readonly string[];
  /** Whether a file goes: age and name rules of the task. */
  readonly select: (file: SweepCandidate) => boolean;
  /** Report, delete nothing. @default false */
  readonly dryRun?: boolean;
  /** Remove folders below a root that this sweep emptied. @default false */
  readonly removeEmptyDirs?: boolean;
  /** Stops the walk between entries. */
  readonly signal?: AbortSignal;
  /** @default node:fs/promises */
  readonly fs?: SweepFs;
  /** Deepest folder level walked below a root. @default 64 */
  readonly maxDepth?: number;
  /**
   * Which of these files the fleet is writing now (FilesInUse.held); asked for each selected
   * file just before it goes, and a held one is skipped. @default nothing is held
   */
  readonly inUse?: (paths: readonly string[]) => Promise<ReadonlySet<string>>;
}

export interface SweepReport {
  deleted_files: number;
  freed_bytes: number;
  errors: { path: string; error: string }[];
  /** Total errors, of which the first MAX_LISTED are in `errors`. */
  error_count: number;
  /** Dry run: the first MAX_LISTED files a real run would delete. */
  would_delete: string[];
  /** Selected files left alone because a worker is writing them. */
  skipped_in_use: number;
  /** The first MAX_LISTED of those. */
  in_use: string[];
}

/** Longest list a report carries, so a huge tree cannot make a huge result. */
export const MAX_LISTED = 100;

/**
 * Deletes the selected regular files below each root. Confinement: a root is resolved once
 * (an operator's symlinked /tmp is fine), below it nothing is followed: symlinks are neither
 * followed nor deleted, a folder is entered only if its real path is the path walked. One
 * unreadable path is reported and the walk goes on. Memory is bounded by the depth, not the
 * size, of the tree: each folder is streamed with `opendir`.
 */
export async function sweep(options: SweepOptions): Promise<SweepReport> {
  const fs = options.fs ?? fsp;
  const report: SweepReport = {
    deleted_files: 0,
    freed_bytes: 0,
    errors: [],
    error_count: 0,
    would_delete: [],
    skipped_in_use: 0,
    in_use: [],
  };
  const fail = (where: string, err: unknown) => {
    report.error_count += 1;
    if (report.errors.length < MAX_LISTED) report.errors.push({ path: where, error: reason(err) });
  };
  const maxDepth = options.maxDepth ?? 64;

  /** Sweeps one folder; resolves to whether it is empty afterwards because of this sweep. */
  const walk = async (dir: string, depth: number): Promise<boolean> => {
    let handle: Dir;
    try {
      handle = await fs.opendir(dir);
    } catch (err) {
      fail(dir, err);
      return false;
    }
    let kept = 0;
    let removed = 0;
    try {
      for await (const entry of handle) {
        options.signal?.throwIfAborted();
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          const enter = depth < maxDepth && (await confined(fs, full, fail));
          const emptied = enter && (await walk(full, depth + 1));
          if (emptied && options.removeEmptyDirs && !options.dryRun && (await tryRmdir(full))) {
            removed += 1;
          } else kept += 1;
        } else if (entry.isFile()) {
          if (await consider(full, entry.name)) removed += 1;
          else kept += 1;
        } else kept += 1; // symlinks, sockets, fifos: never touched
      }
    } catch (err) {
      if (options.signal?.aborted) throw err;
      fail(dir, err);
      return false;
    }
    return kept === 0 && removed > 0;
  };

  const tryRmdir = async (dir: string): Promise<boolean> => {
    try {
      await fs.rmdir(dir);
      return true;
    } catch (err) {
      // Something appeared in it since: it stays, and that is not an error.
      if ((err as NodeJS.ErrnoException).code !== 'ENOTEMPTY') fail(dir, err);
      return false;
    }
  };

  /** Deletes one file if selected; resolves to whether it is gone (or would be). */
  const consider = async (file: string, name: string): Promise<boolean> => {
    try {
      const stat = await fs.lstat(file);
      const candidate = { path: file, name, size: stat.size, mtimeMs: stat.mtimeMs };
      if (!options.select(candidate)) return false;
      if (options.inUse && (await options.inUse([file])).has(file)) {
        report.skipped_in_use += 1;
        if (report.in_use.length < MAX_LISTED) report.in_use.push(file);
        return false;
      }
      if (options.dryRun) {
        if (report.would_delete.length < MAX_LISTED) report.would_delete.push(file);
      } else await fs.unlink(file);
      report.deleted_files += 1;
      report.freed_bytes += stat.size;
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true; // gone already
      fail(file, err);
      return false;
    }
  };

  for (const root of options.roots) {
    let real: string;
    try {
      real = await fs.realpath(root);
    } catch (err) {
      // A root that does not exist (yet) has nothing to sweep.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') fail(root, err);
      continue;
    }
    await walk(real, 0);
  }
  return report;
}

/** A folder is entered only when no symlink was swapped in on the way (real path = path). */
async function confined(
  fs: SweepFs,
  dir: string,
  fail: (where: string, err: unknown) => void,
): Promise<boolean> {
  try {
    const stat = await fs.lstat(dir);
    return stat.isDirectory() && (await fs.realpath(dir)) === dir;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') fail(dir, err);
    return false;
  }
}

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ? `${e.code}: ${e.message}` : String(e?.message ?? err);
}

/** `select` for "older than maxAgeMs at now". */
export function olderThan(now: number, maxAgeMs: number): (file: SweepCandidate) => boolean {
  return (file) => now - file.mtimeMs > maxAgeMs;
}
