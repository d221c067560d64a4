import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeBackend {
  readonly url: string;
  /** Status answered to POST /count; /health/* always answers 200. */
  countStatus: number;
  /** Task ids POSTed to /count, in arrival order (duplicates kept). */
  readonly counted: string[];
  /** Idempotency-Key and X-Api-Key headers of each accepted /count call. */
  readonly countHeaders: { idempotencyKey: string | undefined; apiKey: string | undefined }[];
  close(): Promise<void>;
}

/** A real HTTP server standing in for the product backend. */
export async function startFakeBackend(): Promise<FakeBackend> {
  const state = {
    countStatus: 200,
    counted: [] as string[],
    countHeaders: [] as FakeBackend['countHeaders'][number][],
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.url?.startsWith('/health/')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      } else if (req.url === '/count' && req.method === 'POST') {
        if (state.countStatus < 300) {
          state.counted.push((JSON.parse(body) as { task_id: string }).task_id);
          state.countHeaders.push({
            idempotencyKey: req.headers['idempotency-key'] as string | undefined,
            apiKey: req.headers['x-api-key'] as string | undefined,
          });
        }
        res.writeHead(state.countStatus, { 'content-type': 'application/json' }).end('{}');
      } else {
        res.writeHead(404).end();
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const backend: FakeBackend = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get countStatus() {
      return state.countStatus;
    },
    set countStatus(value: number) {
      state.countStatus = value;
    },
    counted: state.counted,
    countHeaders: state.countHeaders,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return backend;
}
