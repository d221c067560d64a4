import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the backend received. */
export interface BackendRequest {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  readonly idempotencyKey: string | undefined;
  readonly apiKey: string | undefined;
}

/** What a route answers: a status and a JSON body, or a function of the request. */
export type Answer = { status: number; body?: unknown };

/**
 * A real HTTP server standing in for the product backend of the notification tasks: routes
 * answer what a test sets (`answer('GET /internal/…', …)`), everything else 404, and every
 * request is recorded.
 */
export interface RecordingBackend {
  readonly url: string;
  readonly requests: BackendRequest[];
  /** Requests to `METHOD /path` (the query string ignored). */
  to(route: string): BackendRequest[];
  answer(route: string, answer: Answer | ((request: BackendRequest) => Answer)): void;
  close(): Promise<void>;
}

export async function startRecordingBackend(): Promise<RecordingBackend> {
  const requests: BackendRequest[] = [];
  const routes = new Map<string, Answer | ((request: BackendRequest) => Answer)>();
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        // kept as text
      }
      const request: BackendRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        body,
        idempotencyKey: req.headers['idempotency-key'] as string | undefined,
        apiKey: req.headers['x-api-key'] as string | undefined,
      };
      requests.push(request);
      const route = routes.get(`${req.method} ${path}`);
      const answer = typeof route === 'function' ? route(request) : (route ?? { status: 404 });
      res
        .writeHead(answer.status, { 'content-type': 'application/json' })
        .end(JSON.stringify(answer.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    to: (route) => requests.filter((r) => `${r.method} ${r.path.split('?')[0]}` === route),
    answer: (route, answer) => void routes.set(route, answer),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
