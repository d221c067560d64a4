import fs from 'node:fs/promises';
import path from 'node:path';
import { oldLogFile } from '../../src/cleanup/log-files';
import { olderThan, sweep, type SweepFs } from '../../src/cleanup/sweep';
import { HOUR, tempTree } from './tree';

const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);

describe('sweep', () => {
  let tree: Awaited<ReturnType<typeof tempTree>>;
  beforeEach(async () => {
    tree = await tempTree();
  });
  afterEach(() => tree.remove());

  it('deletes only files older than the threshold, counting bytes, and keeps the root', async () => {
    await tree.file('old.tmp', 48 * HOUR, 100, NOW);
    await tree.file('sub/old.bin', 25 * HOUR, 50, NOW);
    await tree.file('sub/new.bin', 1 * HOUR, 7, NOW);
    await tree.file('emptied/old', 30 * HOUR, 1, NOW);
    const report = await sweep({
      roots: [tree.dir],
      select: olderThan(NOW, 24 * HOUR),
      removeEmptyDirs: true,
    });
    expect(report).toMatchObject({ deleted_files: 3, freed_bytes: 151, errors: [] });
    expect(await tree.exists('old.tmp')).toBe(false);
    expect(await tree.exists('sub/old.bin')).toBe(false);
    expect(await tree.exists('sub/new.bin')).toBe(true);
    expect(await tree.exists('sub')).toBe(true);
    expect(await tree.exists('emptied')).toBe(false);
    await expect(fs.stat(tree.dir)).resolves.toBeDefined();
  });

  it('keeps a file whose in-use state cannot be read, as an error, and goes on', async () => {
    const unsure = await tree.file('a/unsure', 30 * HOUR, 1, NOW);
    await tree.file('b/old', 30 * HOUR, 1, NOW);
    const report = await sweep({
      roots: [tree.dir],
      select: olderThan(NOW, HOUR),
      inUse: (paths) =>
        paths[0] === unsure ? Promise.reject(new Error('redis away')) : Promise.resolve(new Set()),
    });
    expect(report).toMatchObject({
      deleted_files: 1,
      skipped_in_use: 0,
      errors: [{ path: unsure, error: 'redis away' }],
    });
    expect(await tree.exists('a/unsure')).toBe(true);
  });

  it('keeps folders that were empty before, and emptied ones unless asked', async () => {
    await fs.mkdir(path.join(tree.dir, 'was-empty'));
    await tree.file('emptied/old', 30 * HOUR, 1, NOW);
    await sweep({ roots: [tree.dir], select: olderThan(NOW, HOUR), removeEmptyDirs: true });
    expect(await tree.exists('was-empty')).toBe(true);
    expect(await tree.exists('emptied')).toBe(false);
    await tree.file('again/old', 30 * HOUR, 1, NOW);
    await sweep({ roots: [tree.dir], select: olderThan(NOW, HOUR) });
    expect(await tree.exists('again')).toBe(true);
    expect(await tree.exists('again/old')).toBe(false);
  });

  it('in a dry run deletes nothing and lists what would go', async () => {
    const old = await tree.file('a/old', 48 * HOUR, 5, NOW);
    await tree.file('a/new', 0, 5, NOW);
    const report = await sweep({
      roots: [tree.dir],
      select: olderThan(NOW, 24 * HOUR),
      dryRun: true,
      removeEmptyDirs: true,
    });
    expect(report).toMatchObject({ deleted_files: 1, freed_bytes: 5, would_delete: [old] });
    expect(await tree.exists('a/old')).toBe(true);
  });

  it('never follows a symlink out of a root, nor deletes the link', async () => {
    const outside = await tempTree('burrow-outside-');
    try {
      await outside.file('precious', 100 * HOUR, 10, NOW);
      await fs.symlink(outside.dir, path.join(tree.dir, 'escape-dir'));
      await fs.symlink(path.join(outside.dir, 'precious'), path.join(tree.dir, 'escape-file'));
      const when = new Date(NOW - 100 * HOUR);
      await fs.lutimes(path.join(tree.dir, 'escape-file'), when, when);
      const report = await sweep({
        roots: [tree.dir],
        select: olderThan(NOW, HOUR),
        removeEmptyDirs: true,
      });
      expect(report.deleted_files).toBe(0);
      expect(await outside.exists('precious')).toBe(true);
      expect(await tree.exists('escape-dir')).toBe(true);
      expect(await tree.exists('escape-file')).toBe(true);
    } finally {
      await outside.remove();
    }
  });

  it('sweeps a root given through a symlink (the operator chose it) but nothing below', async () => {
    const link = `${tree.dir}-link`;
    await fs.symlink(tree.dir, link);
    try {
      await tree.file('old', 48 * HOUR, 3, NOW);
      const report = await sweep({ roots: [link], select: olderThan(NOW, HOUR) });
      expect(report.deleted_files).toBe(1);
    } finally {
      await fs.unlink(link);
    }
  });

  it('reports an unreadable folder and sweeps the rest', async () => {
    await tree.file('locked/old', 48 * HOUR, 1, NOW);
    await tree.file('open/old', 48 * HOUR, 1, NOW);
    const locked = path.join(tree.dir, 'locked');
    // Root reads every folder whatever its mode, so the refusal is injected as EACCES.
    const denying: SweepFs = {
      ...fs,
      opendir: (dir) =>
        dir === locked
          ? Promise.reject(Object.assign(new Error('permission denied'), { code: 'EACCES' }))
          : fs.opendir(dir),
    };
    const report = await sweep({ roots: [tree.dir], select: olderThan(NOW, HOUR), fs: denying });
    expect(report.deleted_files).toBe(1);
    expect(report.errors).toEqual([{ path: locked, error: 'EACCES: permission denied' }]);
    expect(await tree.exists('locked/old')).toBe(true);
    expect(await tree.exists('open/old')).toBe(false);
  });

  it('reports a really unreadable folder when not running as root', async () => {
    if (process.getuid?.() === 0) return; // root reads mode-000 folders: covered above
    await tree.file('locked/old', 48 * HOUR, 1, NOW);
    await tree.file('open/old', 48 * HOUR, 1, NOW);
    await fs.chmod(path.join(tree.dir, 'locked'), 0o000);
    try {
      const report = await sweep({ roots: [tree.dir], select: olderThan(NOW, HOUR) });
      expect(report.errors.map((e) => e.path)).toEqual([path.join(tree.dir, 'locked')]);
      expect(await tree.exists('open/old')).toBe(false);
    } finally {
      await fs.chmod(path.join(tree.dir, 'locked'), 0o755);
    }
  });

  it('treats a missing root as nothing to sweep', async () => {
    const report = await sweep({
      roots: [path.join(tree.dir, 'nope')],
      select: () => true,
    });
    expect(report).toMatchObject({ deleted_files: 0, errors: [] });
  });
});

describe('oldLogFile', () => {
  const select = oldLogFile(NOW, 30);
  const file = (name: string, ageDays: number) => ({
    path: `/l/${name}`,
    name,
    size: 1,
    mtimeMs: NOW - ageDays * 86_400_000,
  });

  it.each([
    'worker.log',
    'worker.log.3',
    'worker.log.gz',
    'worker.log.2.gz',
    'worker-2026-10-01.log',
    'worker-2026-10-01.log.1',
    'worker-email-3f2a1b9c0d11-2026-10-01.log',
    'scheduler-web-1.example-2026-10-01.log.2',
    'old.tar.gz',
  ])('selects an old %s', (name) => {
    expect(select(file(name, 31))).toBe(true);
    expect(select(file(name, 29))).toBe(false);
  });

  it.each(['.0123abcd-audit.json', 'notes.txt', 'worker.log.bak', 'config.json'])(
    'never selects %s',
    (name) => expect(select(file(name, 400))).toBe(false),
  );

  it("never selects the current day's file, however old its mtime", () => {
    expect(select(file('worker-2026-12-02.log', 400))).toBe(false);
    expect(select(file('worker-2026-12-02.log.1', 400))).toBe(false);
    expect(select(file('worker-email+cleanup-host-2026-12-02.log', 400))).toBe(false);
  });
});
