import type { Dispatcher, Pool } from 'undici';
import { BurrowError, PermanentError, RetryableError } from '@burrow/shared';

export interface BackendClientOptions {
  /** Origin and base path of the backend; only this origin is ever called. */
  readonly baseUrl: string;
  readonly apiKey: string;
  /** @default 10 */
  readonly timeoutSeconds?: number;
  /** @default 10 */
  readonly connections?: number;
}

export interface BackendResponse {
  readonly status: number;
  readonly body: unknown;
  readonly latencyMs: number;
  /** Seconds from a Retry-After header (delta or HTTP date), when present. */
  readonly retryAfterSeconds: number | null;
}

/** Reads Retry-After as seconds: either a number or an HTTP date. */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now = Date.now(),
): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return null;
  if (/^\d+$/.test(text.trim())) return Number(text.trim());
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * A request that got no answer: network trouble and timeouts are retryable, named by their
 * code (ECONNREFUSED reaches Python as ConnectionRefusedError); an abort by the task's own
 * signal (soft time limit, shutdown) is passed on as it is.
 */
function unreachable(method: string, path: string, error: unknown): unknown {
  if (error instanceof BurrowError) return error;
  const fields = (error ?? {}) as { code?: unknown; name?: unknown; message?: unknown };
  if (fields.name === 'AbortError') return error;
  const reason = typeof fields.message === 'string' ? fields.message : String(error);
  const summary = `backend ${method} ${path} unreachable: ${reason}`;
  if (fields.name === 'TimeoutError')
    return new RetryableError(summary, 'timeout', { cause: error, excType: 'TimeoutError' });
  if (typeof fields.code === 'string' && fields.code !== '')
    return new RetryableError(summary, fields.code, { cause: error });
  return new RetryableError(summary, 'unreachable', { cause: error, excType: 'ConnectionError' });
}

/**
 * HTTP calls to the product backend over a pooled undici connection. Maps answers to burrow's
 * error classes: 5xx, 429 and network trouble are retryable (Retry-After honoured), other 4xx
 * permanent.
 */
export class BackendClient {
  private poolInstance: Pool | null = null;
  private readonly base: URL;
  private readonly timeoutMs: number;

  constructor(private readonly options: BackendClientOptions) {
    this.base = new URL(options.baseUrl);
    this.timeoutMs = (options.timeoutSeconds ?? 10) * 1000;
  }

  /**
   * The pool, made on the first call: undici adds about 15 MB to a worker's RSS, which an idle
   * worker (or one whose tasks never call the backend) need not pay.
   */
  private get pool(): Pool {
    if (this.poolInstance === null) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Pool: UndiciPool } = require('undici') as typeof import('undici');
      this.poolInstance = new UndiciPool(this.base.origin, {
        connections: this.options.connections ?? 10,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        connectTimeout: this.timeoutMs,
      });
    }
    return this.poolInstance;
  }

  /** GET that reports the answer whatever its status (for health probes). */
  async probe(path: string, signal?: AbortSignal): Promise<BackendResponse> {
    return this.request('GET', path, undefined, { signal });
  }

  /** Sends a request and throws a classified error unless the answer is 2xx. */
  async call(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body?: unknown,
    opts: { signal?: AbortSignal; idempotencyKey?: string } = {},
  ): Promise<BackendResponse> {
    const response = await this.request(method, path, body, opts);
    if (response.status >= 200 && response.status < 300) return response;
    const summary = `backend ${method} ${path} answered ${response.status}`;
    if (response.status === 429 || response.status >= 500) {
      throw new RetryableError(summary, `http_${response.status}`, {
        excType: 'HTTPError',
        excModule: 'requests.exceptions',
        ...(response.retryAfterSeconds !== null
          ? { retryAfterSeconds: response.retryAfterSeconds }
          : {}),
      });
    }
    throw new PermanentError(summary, `http_${response.status}`, {
      excType: 'HTTPError',
      excModule: 'requests.exceptions',
    });
  }

  private async request(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body: unknown,
    opts: { signal?: AbortSignal; idempotencyKey?: string },
  ): Promise<BackendResponse> {
    const url = new URL(
      path.replace(/^\/+/, ''),
      this.base.href.endsWith('/') ? this.base.href : `${this.base.href}/`,
    );
    if (url.origin !== this.base.origin)
      throw new PermanentError(
        `refusing to call ${url.origin}: only ${this.base.origin} is allowed`,
        'forbidden_origin',
      );
    const started = performance.now();
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.apiKey) headers['x-api-key'] = this.options.apiKey;
    if (this.options.apiKey) headers.authorization = `Api-Key ${this.options.apiKey}`;
    if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Dispatcher.ResponseData;
    let text: string;
    try {
      response = await this.pool.request({
        method,
        path: url.pathname + url.search,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        signal: opts.signal ?? AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.body.text();
    } catch (err) {
      throw unreachable(method, path, err);
    }
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return {
      status: response.statusCode,
      body: parsed,
      latencyMs: Math.round(performance.now() - started),
      retryAfterSeconds: parseRetryAfter(response.headers['retry-after']),
    };
  }

  async close(): Promise<void> {
    await this.poolInstance?.close();
  }
}
