/**
 * Import and report bench: a BENCH_IMPORT_ROWS-row users CSV (default 1 000 000, one row in a
 * hundred invalid) read by batch_data_import_task's handler in dry run (streaming csv-parse,
 * schema checks in worker threads, the row error report, chunk commits in Redis) beside a bare
 * csv-parse loop over the same file, as a ratio; then a BENCH_REPORT_ROWS-row report (default
 * 100 000) paged from a local HTTP server and written as CSV and as XLSX. Each measurement
 * runs in a process of its own, so its peak RSS is its own. Run: `npm run bench:import`.
 */
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { grouped } from './format';

const run = promisify(execFile);
const say = (line: string) => process.stdout.write(`${line}\n`);
const TARGET_ROWS_PER_SECOND = 50_000;
const TARGET_PEAK_RSS_MB = 150;

interface Measured {
  readonly rows: number;
  readonly seconds: number;
  readonly peakRssMb: number;
}

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name]?.replace(/[_\s]/g, '');
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

/** Writes the users CSV, streaming (the bench's own memory stays small too). */
async function writeUsersCsv(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('email,name,phone\n');
  let batch = '';
  for (let i = 1; i <= rows; i++) {
    batch +=
      i % 100 === 0
        ? `broken-${i},,\n`
        : `user${i}@example.com,User ${i},+1415555${String(i % 10_000).padStart(4, '0')}\n`;
    if (i % 1_000 === 0) {
      await write(batch);
      batch = '';
    }
  }
  await write(batch);
  out.end();
  await once(out, 'finish');
}

/** Pages out `total` generated rows as the backend's report endpoint would. */
async function startPageServer(total: number): Promise<{ url: string; close(): void }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://bench');
    const size = Number(url.searchParams.get('page_size') ?? 1000);
    const start = (Number(url.searchParams.get('page') ?? 1) - 1) * size;
    const end = Math.min(total, start + size);
    const rows = [];
    for (let i = start; i < end; i++) {
      rows.push({
        id: i + 1,
        email: `user${i + 1}@example.com`,
        country: ['UA', 'PL', 'DE', 'US'][i % 4],
        orders: i % 17,
        revenue: Math.round(i * 3.7) / 100,
        last_seen: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(),
      });
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ rows, has_more: end < total }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => server.close(),
  };
}

async function child(mode: string, file: string, backendUrl = ''): Promise<Measured> {
  const { stdout } = await run(
    process.execPath,
    [path.join(__dirname, 'import-child.js'), mode, file, backendUrl],
    { maxBuffer: 1024 * 1024, env: process.env },
  );
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Measured;
}

function row(label: string, m: Measured, ratio = ''): string {
  const rate = m.rows / m.seconds;
  return `| ${label} | ${grouped(m.rows)} | ${m.seconds.toFixed(1)} | ${grouped(rate)} | ${Math.round(m.peakRssMb)} | ${ratio} |`;
}

async function main(): Promise<void> {
  const importRows = positiveInt('BENCH_IMPORT_ROWS', 1_000_000);
  const reportRows = positiveInt('BENCH_REPORT_ROWS', 100_000);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'burrow-bench-import-'));
  const file = path.join(dir, 'users.csv');
  const pages = await startPageServer(reportRows);
  try {
    say(`writing ${grouped(importRows)} rows to ${file} …`);
    await writeUsersCsv(file, importRows);
    say(`${Math.round((await stat(file)).size / 1024 / 1024)} MB; measuring (one process each) …`);
    const bare = await child('bare', file);
    const imported = await child('import', file);
    const reportCsv = await child('report-csv', file, pages.url);
    const reportXlsx = await child('report-xlsx', file, pages.url);
    const ratio = imported.rows / imported.seconds / (bare.rows / bare.seconds);
    say('');
    say('| measurement | rows | s | rows/s | peak RSS MB | vs bare csv-parse |');
    say('|---|---:|---:|---:|---:|---:|');
    say(row('bare csv-parse loop', bare, '1.00'));
    say(row('import: parse + validate (dry run)', imported, ratio.toFixed(2)));
    say(row('report: pages → CSV', reportCsv));
    say(row('report: pages → XLSX (streaming)', reportXlsx));
    const rate = imported.rows / imported.seconds;
    say('');
    say(
      `import: ${grouped(rate)} rows/s (target ≥ ${grouped(TARGET_ROWS_PER_SECOND)}): ${rate >= TARGET_ROWS_PER_SECOND ? 'met' : 'MISSED'}; ` +
        `peak RSS ${Math.round(imported.peakRssMb)} MB (target ≤ ${TARGET_PEAK_RSS_MB}): ${imported.peakRssMb <= TARGET_PEAK_RSS_MB ? 'met' : 'MISSED'}`,
    );
  } finally {
    pages.close();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
