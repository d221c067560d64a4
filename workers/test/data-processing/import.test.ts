import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ContinueLater, PermanentError, RetryableError } from '@burrow/shared';
import { batchDataImport } from '../../src/data-processing/batch-data-import';
import { FilesInUse } from '../../src/providers/files-in-use';
import { API_KEY, startHarness, type Harness } from './harness';
import { usersCsv } from './fake-data-backend';

let h: Harness;
let files: http.Server;
let filesUrl: string;
beforeAll(async () => {
  files = http.createServer((req, res) => {
    if (req.url === '/exports/users.csv') res.writeHead(200).end(usersCsv(30, 10));
    else if (req.url === '/exports/moved.csv')
      res.writeHead(302, { location: 'http://evil.example/users.csv' }).end();
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
  filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  h = await startHarness({ IMPORT_URL_ALLOWLIST: `${filesUrl}/exports/` });
});
afterAll(async () => {
  await h.close();
  await new Promise((resolve) => files.close(resolve));
});

/** Every row the backend took for `taskId`, in chunk order, by key. */
function postedRows(taskId: string): Record<string, unknown>[] {
  return [...h.backend.chunks.entries()]
    .filter(([key]) => key.startsWith(`${taskId}:`))
    .sort(([a], [b]) => Number(a.split(':').pop()) - Number(b.split(':').pop()))
    .flatMap(([, rows]) => rows);
}

async function importFile(name: string, text: string) {
  await writeFile(path.join(h.importsDir, name), text);
  return name;
}

describe('batch_data_import_task', () => {
  it('imports a CSV in chunks, with a row-level error report beside the file', async () => {
    const file = await importFile('users-2000.csv', usersCsv(2_000, 100));
    const ctx = h.ctx();
    const result = await batchDataImport(
      { import_type: 'users', file_path: file, options: { batch_size: 250 } },
      ctx,
    );
    const report = path.join(h.importsDir, 'users-2000.csv.errors.csv');
    expect(result).toMatchObject({
      import_type: 'users',
      total_rows: 2_000,
      imported: 1_980,
      failed: 20,
      chunks: 8,
      dry_run: false,
      error_report: report,
    });
    expect(result.errors[0]).toEqual({ row: 101, error: 'email: is not an email address' });
    const posted = postedRows(ctx.taskId);
    expect(posted).toHaveLength(1_980);
    expect(posted[0]).toEqual({
      email: 'user1@example.com',
      name: 'User 1',
      phone: '+14155550001',
    });
    const calls = h.backend
      .receivedOn('/internal/imports/users')
      .filter((r) => r.idempotencyKey?.startsWith(`${ctx.taskId}:`));
    expect(calls.map((c) => c.idempotencyKey)).toEqual(
      Array.from({ length: 8 }, (_, i) => `${ctx.taskId}:${i}`),
    );
    expect(calls.every((c) => c.apiKey === API_KEY)).toBe(true);
    const lines = (await readFile(report, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('line,field,reason');
    expect(lines.slice(1, 3)).toEqual([
      '101,email,is not an email address',
      '101,name,is required',
    ]);
    expect(lines).toHaveLength(1 + 40);
    expect(ctx.progress.at(-1)).toMatchObject({ rows: expect.any(Number) });
  });

  it('dry_run validates and reports without posting', async () => {
    const file = await importFile('dry.csv', usersCsv(100, 25));
    const ctx = h.ctx();
    const result = await batchDataImport(
      { import_type: 'users', file_path: file, options: { dry_run: true, batch_size: 30 } },
      ctx,
    );
    expect(result).toMatchObject({ total_rows: 100, imported: 96, failed: 4, dry_run: true });
    expect(postedRows(ctx.taskId)).toEqual([]);
  });

  it('JSON Lines: a line that is not JSON is a row error, the rest import; no errors = no report', async () => {
    const file = await importFile(
      'products.jsonl',
      [
        '{"sku":"A-1","name":"Apple","price":"1.50","stock":3}',
        '{"sku":"B 2","name":"Bad sku","price":1}',
        'not json',
        '',
        '{"sku":"C-3","name":"Cherry","price":2,"currency":"EUR"}',
      ].join('\n'),
    );
    const ctx = h.ctx();
    const result = await batchDataImport({ import_type: 'products', file_path: file }, ctx);
    expect(result).toMatchObject({ total_rows: 4, imported: 2, failed: 2 });
    expect(result.errors).toEqual([
      { row: 2, error: 'sku: is not a SKU (letters, digits, _ or -)' },
      { row: 3, error: 'is not valid JSON' },
    ]);
    expect(postedRows(ctx.taskId)).toEqual([
      { sku: 'A-1', name: 'Apple', price: 1.5, stock: 3 },
      { sku: 'C-3', name: 'Cherry', price: 2, currency: 'EUR' },
    ]);
    const clean = await importFile('clean.jsonl', '{"sku":"Z","name":"Z","price":0}\n');
    const ok = await batchDataImport({ import_type: 'products', file_path: clean }, h.ctx());
    expect(ok).toMatchObject({ imported: 1, failed: 0, error_report: null });
  });

  it('a headerless CSV with another delimiter takes the schema order', async () => {
    const file = await importFile(
      'tx.txt',
      'T1;12.50;USD;2024-01-02T03:04:05Z\nT2;0;USD;2024-01-02\n',
    );
    const ctx = h.ctx();
    const result = await batchDataImport(
      {
        import_type: 'transactions',
        file_path: file,
        options: { format: 'csv', delimiter: ';', has_header: false },
      },
      ctx,
    );
    expect(result).toMatchObject({ total_rows: 2, imported: 1, failed: 1 });
    expect(result.errors).toEqual([{ row: 2, error: 'amount: is zero' }]);
    expect(postedRows(ctx.taskId)).toEqual([
      { id: 'T1', amount: 12.5, currency: 'USD', occurred_at: '2024-01-02T03:04:05.000Z' },
    ]);
  });

  it('CSV quirks: line numbers past quoted line breaks, extra cells, blank lines, a broken quote', async () => {
    const file = await importFile(
      'quirks.csv',
      [
        'name,email,phone,company',
        '"Ann\nSmith",ann@example.com,,"A, Inc."',
        '',
        'Bob,bob@example.com,,B,extra',
        'Cy,not-an-email,,C',
        'Di,di@example.com,,"unclosed',
      ].join('\n'),
    );
    const ctx = h.ctx();
    const result = await batchDataImport({ import_type: 'contacts', file_path: file }, ctx);
    expect(result.errors).toEqual([
      { row: 5, error: 'has more cells than there are columns' },
      { row: 6, error: 'email: is not an email address' },
      { row: 7, error: expect.stringMatching(/^is not valid CSV/) },
    ]);
    expect(postedRows(ctx.taskId)).toEqual([
      { name: 'Ann\nSmith', email: 'ann@example.com', company: 'A, Inc.' },
    ]);
  });

  it('a backend failure mid-import retries; the next attempt resumes at the failed chunk', async () => {
    const file = await importFile('resume.csv', usersCsv(1_000, 50));
    h.backend.fail('/internal/imports/users', 503, 1, 2); // the third chunk
    const taskId = `resume-${Date.now()}`;
    const first = await batchDataImport(
      { import_type: 'users', file_path: file, options: { batch_size: 100 } },
      h.ctx({ taskId }),
    ).catch((err: unknown) => err);
    expect(first).toBeInstanceOf(RetryableError);
    expect(postedRows(taskId)).toHaveLength(2 * 98);
    const result = await batchDataImport(
      { import_type: 'users', file_path: file, options: { batch_size: 100 } },
      h.ctx({ taskId }),
    );
    expect(result).toMatchObject({ total_rows: 1_000, imported: 980, failed: 20, chunks: 10 });
    const posted = postedRows(taskId);
    expect(new Set(posted.map((r) => r.email)).size).toBe(980);
    const keys = h.backend
      .receivedOn('/internal/imports/users')
      .filter((r) => r.idempotencyKey?.startsWith(`${taskId}:`) && r.status === 200)
      .map((r) => r.idempotencyKey);
    expect(keys).toHaveLength(10); // chunks 0 and 1 were not posted again
    const report = await readFile(path.join(h.importsDir, 'resume.csv.errors.csv'), 'utf8');
    expect(report.trim().split('\n')).toHaveLength(1 + 40); // each error once
    // A redelivery of the finished task returns its result without reading the file again.
    const before = h.backend.received.length;
    await expect(
      batchDataImport({ import_type: 'users', file_path: file }, h.ctx({ taskId })),
    ).resolves.toEqual(result);
    expect(h.backend.received.length).toBe(before);
  });

  it('the soft limit pauses after the chunk in hand (ContinueLater); the continuation finishes', async () => {
    const file = await importFile('soft.csv', usersCsv(600));
    const taskId = `soft-${Date.now()}`;
    const controller = new AbortController();
    const ctx = h.ctx({ taskId, signal: controller.signal });
    const reported = ctx.reportProgress;
    let held = new Set<string>();
    const paused = batchDataImport(
      { import_type: 'users', file_path: file, options: { batch_size: 100 } },
      {
        ...ctx,
        reportProgress: async (p) => {
          held = await new FilesInUse(h.redis, { keyPrefix: h.keyPrefix }).all();
          controller.abort(new Error('soft limit'));
          await reported(p);
        },
      },
    );
    await expect(paused).rejects.toBeInstanceOf(ContinueLater);
    // The error report was held in files-in-use while written, and is released after.
    const report = path.join(h.importsDir, 'soft.csv.errors.csv');
    expect(held.has(report)).toBe(true);
    expect((await new FilesInUse(h.redis, { keyPrefix: h.keyPrefix }).all()).has(report)).toBe(
      false,
    );
    const done = await batchDataImport(
      { import_type: 'users', file_path: file, options: { batch_size: 100 } },
      h.ctx({ taskId }),
    );
    expect(done).toMatchObject({ total_rows: 600, imported: 600 });
    expect(postedRows(taskId)).toHaveLength(600);
    expect(h.backend.repeats.filter((r) => r.key.startsWith(taskId))).toEqual([]);
  });

  it('reads an allow-listed URL', async () => {
    const ctx = h.ctx();
    const result = await batchDataImport(
      { import_type: 'users', url: `${filesUrl}/exports/users.csv` },
      ctx,
    );
    expect(result).toMatchObject({ total_rows: 30, imported: 27, failed: 3 });
    expect(result.error_report).toBe(path.join(h.importsDir, `${ctx.taskId}.errors.csv`));
  });

  it('an allow-listed URL that answers 404 is a permanent error; nothing is posted', async () => {
    const ctx = h.ctx();
    const error = await batchDataImport(
      { import_type: 'users', url: `${filesUrl}/exports/missing.csv` },
      ctx,
    ).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ code: 'http_404' });
    expect(postedRows(ctx.taskId)).toEqual([]);
  });

  describe('refuses, as permanent errors, before reading anything', () => {
    beforeAll(async () => {
      await writeFile(path.join(h.dir, 'outside.csv'), usersCsv(3));
      await mkdir(path.join(h.importsDir, 'sub'), { recursive: true });
      await symlink(path.join(h.dir, 'outside.csv'), path.join(h.importsDir, 'escape.csv'));
      await symlink(h.dir, path.join(h.importsDir, 'sub', 'up'));
    });

    it.each([
      ['a .. segment', { file_path: '../outside.csv' }, 'path_traversal'],
      ['a .. in the middle', { file_path: 'sub/../../outside.csv' }, 'path_traversal'],
      ['an absolute path elsewhere', { file_path: '/etc/passwd' }, 'path_outside_imports'],
      ['a symlinked file escaping', { file_path: 'escape.csv' }, 'symlink_refused'],
      ['a symlinked folder escaping', { file_path: 'sub/up/outside.csv' }, 'symlink_refused'],
      ['IMPORTS_DIR itself', { file_path: '.' }, 'path_outside_imports'],
      ['a missing file', { file_path: 'nope.csv' }, 'file_not_found'],
      [
        'a URL off the allow-list',
        { url: 'http://evil.example/exports/users.csv' },
        'url_not_allowed',
      ],
      [
        'a look-alike host',
        { url: 'http://127.0.0.1.evil.example/exports/x.csv' },
        'url_not_allowed',
      ],
      [
        'userinfo tricks',
        { url: 'http://127.0.0.1@evil.example/exports/x.csv' },
        'url_not_allowed',
      ],
      ['both a path and a URL', { file_path: 'a.csv', url: 'http://x/y' }, 'bad_source'],
      ['neither', {}, 'bad_source'],
    ])('%s', async (_label, source, code) => {
      const ctx = h.ctx();
      const error = await batchDataImport({ import_type: 'users', ...source }, ctx).catch(
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(PermanentError);
      expect((error as PermanentError).code).toBe(code);
      expect(postedRows(ctx.taskId)).toEqual([]);
    });

    it('a redirect from an allow-listed URL', async () => {
      const error = await batchDataImport(
        { import_type: 'users', url: `${filesUrl}/exports/moved.csv` },
        h.ctx(),
      ).catch((err: unknown) => err);
      expect(error).toMatchObject({ code: 'redirect_refused', retryable: false });
    });
  });
});
