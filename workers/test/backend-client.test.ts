import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PermanentError, RetryableError, classifyError } from '@burrow/shared';
import { BackendClient, parseRetryAfter } from '../src/providers/backend-client';

describe('BackendClient against a real HTTP server', () => {
  let server: http.Server;
  let client: BackendClient;
  const seen: { url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', headers: req.headers, body });
        const status = Number(/\/status\/(\d+)/.exec(req.url ?? '')?.[1] ?? 200);
        res.writeHead(status, {
          'content-type': 'application/json',
          ...(status === 429 ? { 'retry-after': '7' } : {}),
        });
        res.end(JSON.stringify({ ok: status < 400 }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new BackendClient({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`,
      apiKey: 'secret-key',
      timeoutSeconds: 2,
    });
  });
  afterAll(async () => {
    await client.close();
    server.close();
  });

  it('POSTs JSON under the base path with the API key and Idempotency-Key', async () => {
    const response = await client.call(
      'POST',
      '/internal/events/',
      { event: 'listing.sold' },
      { idempotencyKey: 'task-1' },
    );
    expect(response).toMatchObject({ status: 200, body: { ok: true } });
    const request = seen.at(-1)!;
    expect(request.url).toBe('/api/internal/events/');
    expect(request.headers).toMatchObject({
      'x-api-key': 'secret-key',
      'idempotency-key': 'task-1',
      'content-type': 'application/json',
    });
    expect(JSON.parse(request.body)).toEqual({ event: 'listing.sold' });
  });

  it('maps 5xx and 429 to retryable (with Retry-After) and other 4xx to permanent', async () => {
    await expect(client.call('GET', '/status/503')).rejects.toBeInstanceOf(RetryableError);
    const throttled = await client.call('GET', '/status/429').catch((err: unknown) => err);
    expect(classifyError(throttled)).toEqual({
      retryable: true,
      code: 'http_429',
      retryAfterSeconds: 7,
    });
    await expect(client.call('GET', '/status/404')).rejects.toBeInstanceOf(PermanentError);
  });

  it('refuses any origin but the configured backend', async () => {
    await expect(client.call('GET', 'http://169.254.169.254/latest/meta-data')).rejects.toThrow(
      /only http:\/\/127.0.0.1:\d+ is allowed/,
    );
    // A protocol-relative path stays a path under the backend, never another host.
    await client.call('GET', '//evil.example/x');
    expect(seen.at(-1)!.url).toBe('/api/evil.example/x');
  });

  it('reports an unreachable backend as a retryable network error', async () => {
    const closed = new BackendClient({
      baseUrl: 'http://127.0.0.1:1',
      apiKey: '',
      timeoutSeconds: 1,
    });
    const error = await closed.call('GET', '/health/').catch((err: unknown) => err);
    expect(classifyError(error)).toMatchObject({ retryable: true, code: 'ECONNREFUSED' });
    await closed.close();
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('120')).toBe(120);
    expect(
      parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')),
    ).toBe(10);
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter(undefined)).toBeNull();
  });
});
