import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake backend took, with the headers the tests check. */
export interface Received {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: unknown;
  readonly idempotencyKey: string | undefined;
  readonly apiKey: string | undefined;
  readonly status: number;
}

/** A report the fake backend pages out: `total` generated rows. */
export interface ReportSource {
  readonly total: number;
  /** Hand out cursors instead of answering page numbers. */
  readonly cursor?: boolean;
}

export interface FakeDataBackend {
  readonly url: string;
  readonly received: Received[];
  /**
   * Import chunks accepted, by Idempotency-Key: a repeated key is answered as before and not
   * stored again, as a backend honouring the header does; `repeats` counts those.
   */
  readonly chunks: Map<string, Record<string, unknown>[]>;
  readonly repeats: { key: string; sameRows: boolean }[];
  /** Report sources by path. */
  readonly reports: Map<string, ReportSource>;
  /** Answers the next `times` requests whose path starts with `prefix` with `status`. */
  fail(prefix: string, status: number, times?: number, afterRequests?: number): void;
  /** Delays every answer to paths starting with `prefix` by `ms`. */
  slow(prefix: string, ms: number): void;
  receivedOn(prefix: string): Received[];
  close(): Promise<void>;
}

/** The `i`th row (0-based) of a generated report. */
export function reportRow(i: number): Record<string, unknown> {
  return {
    id: i + 1,
    name: `user ${i + 1}, "quoted"`,
    amount: Math.round(i * 1.5 * 100) / 100,
    active: i % 2 === 0,
    created_at: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(),
  };
}

/**
 * A real HTTP server standing in for the product backend of the data-processing tasks: takes
 * user-data and exchange-rate POSTs, import chunks (deduplicated by Idempotency-Key) and pages
 * out generated report rows by page number or cursor, with failures injected on demand.
 */
export async function startFakeDataBackend(): Promise<FakeDataBackend> {
  const received: Received[] = [];
  const chunks = new Map<string, Record<string, unknown>[]>();
  const repeats: FakeDataBackend['repeats'] = [];
  const reports = new Map<string, ReportSource>();
  const failures: { prefix: string; status: number; times: number; skip: number }[] = [];
  const delays: { prefix: string; ms: number }[] = [];

  const answer = (pathname: string, query: URLSearchParams, body: unknown, key?: string) => {
    if (pathname.startsWith('/internal/imports/')) {
      const rows = (body as { rows: Record<string, unknown>[] }).rows;
      if (key !== undefined && chunks.has(key)) {
        repeats.push({ key, sameRows: JSON.stringify(chunks.get(key)) === JSON.stringify(rows) });
      } else if (key !== undefined) chunks.set(key, rows);
      return { status: 200, body: { imported: rows.length } };
    }
    const report = reports.get(pathname);
    if (report) {
      const size = Number(query.get('page_size') ?? 100);
      const start = report.cursor
        ? Number(query.get('cursor') ?? 0)
        : (Number(query.get('page') ?? 1) - 1) * size;
      const end = Math.min(report.total, start + size);
      const rows = Array.from({ length: Math.max(0, end - start) }, (_, i) => reportRow(start + i));
      return {
        status: 200,
        body: report.cursor
          ? { rows, next_cursor: end < report.total ? String(end) : null }
          : { rows, has_more: end < report.total },
      };
    }
    if (pathname === '/internal/exchange-rates/update')
      return { status: 200, body: { scheduled: true, rates: { EUR: 0.92, UAH: 41.5 } } };
    if (pathname.startsWith('/internal/users/')) return { status: 200, body: { ok: true } };
    return { status: 404, body: { error: 'not found' } };
  };

  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://backend');
      const body: unknown = text ? JSON.parse(text) : null;
      const key = req.headers['idempotency-key'] as string | undefined;
      const failure = failures.find((f) => url.pathname.startsWith(f.prefix) && f.times > 0);
      let reply: { status: number; body: unknown };
      if (failure && failure.skip > 0) {
        failure.skip--;
        reply = answer(url.pathname, url.searchParams, body, key);
      } else if (failure) {
        failure.times--;
        reply = { status: failure.status, body: { error: 'injected' } };
      } else reply = answer(url.pathname, url.searchParams, body, key);
      received.push({
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        body,
        idempotencyKey: key,
        apiKey: req.headers['x-api-key'] as string | undefined,
        status: reply.status,
      });
      const delay = delays.find((d) => url.pathname.startsWith(d.prefix))?.ms ?? 0;
      setTimeout(() => {
        res
          .writeHead(reply.status, { 'content-type': 'application/json' })
          .end(JSON.stringify(reply.body));
      }, delay);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    chunks,
    repeats,
    reports,
    fail: (prefix, status, times = 1, afterRequests = 0) =>
      void failures.push({ prefix, status, times, skip: afterRequests }),
    slow: (prefix, ms) => void delays.push({ prefix, ms }),
    receivedOn: (prefix) => received.filter((r) => r.path.startsWith(prefix)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A CSV of `rows` users; every `badEvery`th row has a bad email (and no name when 0 mod 2). */
export function usersCsv(rows: number, badEvery = 0): string {
  const lines = ['email,name,phone'];
  for (let i = 1; i <= rows; i++) {
    const bad = badEvery > 0 && i % badEvery === 0;
    lines.push(
      bad
        ? `not-an-email-${i},,`
        : `user${i}@example.com,User ${i},+1415555${String(i % 10000).padStart(4, '0')}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
