import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const HOUR = 3_600_000;

/** A fresh temp folder for one test; remove() deletes it. */
export async function tempTree(prefix = 'burrow-sweep-'): Promise<{
  dir: string;
  /** Writes `file` (relative) with `bytes` bytes, last modified `ageMs` before `now`. */
  file(rel: string, ageMs: number, bytes?: number, now?: number): Promise<string>;
  exists(rel: string): Promise<boolean>;
  remove(): Promise<void>;
}> {
  const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), prefix)));
  return {
    dir,
    async file(rel, ageMs, bytes = 10, now = Date.now()) {
      const full = path.join(dir, rel);
      await fs.mkdir(path.dirname(full), { recursive: true });
      await fs.writeFile(full, Buffer.alloc(bytes, 'x'));
      const when = new Date(now - ageMs);
      await fs.utimes(full, when, when);
      return full;
    },
    exists: (rel) =>
      fs.lstat(path.join(dir, rel)).then(
        () => true,
        () => false,
      ),
    remove: () => fs.rm(dir, { recursive: true, force: true }),
  };
}
