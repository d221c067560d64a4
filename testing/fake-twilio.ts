import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One Messages.json request as it arrived. */
export interface TwilioRequest {
  readonly accountSid: string;
  /** The form fields: To, From or MessagingServiceSid, Body, StatusCallback. */
  readonly params: Readonly<Record<string, string>>;
  /** The Basic auth user (account SID or API key). */
  readonly user: string;
  /** The SID answered, or null when the request was made to fail. */
  readonly sid: string | null;
  readonly status: number;
  /** When it arrived (ms since the epoch). */
  readonly at?: number;
}

/** How the next matching requests fail: an HTTP status with Twilio's error body. */
export interface TwilioFailure {
  readonly status: number;
  /** Twilio error code, e.g. 21211 (invalid To), 21610 (opted out), 20429 (throttled). */
  readonly code?: number;
  readonly message?: string;
  /** Sent as the Retry-After header. */
  readonly retryAfter?: string;
  /** Requests it applies to. @default 1 */
  readonly times?: number;
  /** Only requests to this number. @default every number */
  readonly to?: string;
}

/** A local stand-in for api.twilio.com's Messages API, on 127.0.0.1, with failure switches. */
export interface FakeTwilio {
  /** `http://127.0.0.1:<port>`, for `new TwilioHttpClient({ apiOrigin })`. */
  readonly origin: string;
  /** Every Messages.json request so far, in arrival order. */
  readonly requests: TwilioRequest[];
  /** Requests to `to`, in arrival order. */
  requestsTo(to: string): TwilioRequest[];
  /** Makes the next request(s) fail as described. */
  fail(failure: TwilioFailure): void;
  /** Answers accepted messages this much later (they count as created on arrival). */
  delayResponses(ms: number): void;
  /** Resolves when `count` requests matching `filter` have arrived. */
  waitForRequests(
    count: number,
    options?: { filter?: (r: TwilioRequest) => boolean; timeoutMs?: number },
  ): Promise<TwilioRequest[]>;
  close(): Promise<void>;
}

const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/(AC\w+)\/Messages\.json$/;

/** Starts the fake on an ephemeral loopback port. */
export async function startFakeTwilio(): Promise<FakeTwilio> {
  const requests: TwilioRequest[] = [];
  const failures: { failure: TwilioFailure; left: number }[] = [];
  const events = new EventEmitter();
  const created: ReturnType<typeof messageResource>[] = [];
  let responseDelayMs = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const [path, query] = (req.url ?? '').split('?');
      const match = MESSAGES_PATH.exec(path ?? '');
      if (req.method === 'GET' && match) {
        // Message list, newest first, as the Messages API pages it (one page is plenty here).
        const to = new URLSearchParams(query ?? '').get('To');
        const messages = created
          .filter((m) => m.account_sid === match[1] && (!to || m.to === to))
          .reverse();
        reply(res, 200, {
          messages,
          end: Math.max(0, messages.length - 1),
          first_page_uri: path,
          next_page_uri: null,
          page: 0,
          page_size: 50,
          previous_page_uri: null,
          start: 0,
          uri: req.url,
        });
        return;
      }
      if (req.method !== 'POST' || !match) {
        reply(res, 404, {
          code: 20404,
          message: 'The requested resource was not found',
          status: 404,
        });
        return;
      }
      const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString()));
      const user = basicUser(req.headers.authorization);
      const failing = failures.find((f) => !f.failure.to || f.failure.to === params.To);
      if (failing) {
        failing.left -= 1;
        if (failing.left <= 0) failures.splice(failures.indexOf(failing), 1);
        const { status, code, message, retryAfter } = failing.failure;
        record({ accountSid: match[1]!, params, user, sid: null, status });
        reply(
          res,
          status,
          {
            code: code ?? null,
            message: message ?? `fake failure ${status}`,
            more_info: code ? `https://www.twilio.com/docs/errors/${code}` : null,
            status,
          },
          retryAfter ? { 'retry-after': retryAfter } : {},
        );
        return;
      }
      const sid = `SM${randomBytes(16).toString('hex')}`;
      const resource = messageResource(match[1]!, sid, params);
      // Created on arrival, as Twilio does: a client that dies before the answer has still sent it.
      created.push(resource);
      record({ accountSid: match[1]!, params, user, sid, status: 201 });
      setTimeout(() => reply(res, 201, resource), responseDelayMs);
    });
  });

  function record(request: TwilioRequest): void {
    request = { ...request, at: Date.now() };
    requests.push(request);
    events.emit('request');
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    requestsTo: (to) => requests.filter((r) => r.params.To === to),
    fail: (failure) => failures.push({ failure, left: failure.times ?? 1 }),
    delayResponses: (ms) => {
      responseDelayMs = ms;
    },
    waitForRequests: (count, options = {}) =>
      new Promise((resolve, reject) => {
        const matching = () => requests.filter(options.filter ?? (() => true));
        const check = () => {
          const found = matching();
          if (found.length < count) return;
          cleanup();
          resolve(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${matching().length} of ${count} Twilio requests arrived`));
        }, options.timeoutMs ?? 15_000);
        const cleanup = () => {
          clearTimeout(timer);
          events.off('request', check);
        };
        events.on('request', check);
        check();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function reply(
  res: http.ServerResponse,
  status: number,
  body: object,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function basicUser(header: string | undefined): string {
  if (!header?.startsWith('Basic ')) return '';
  return Buffer.from(header.slice(6), 'base64').toString().split(':')[0] ?? '';
}

/** The Message resource Twilio answers a create with (the fields the SDK maps). */
function messageResource(accountSid: string, sid: string, params: Record<string, string>) {
  const now = new Date().toUTCString(); // RFC 2822, as Twilio writes its dates
  const body = params.Body ?? '';
  return {
    account_sid: accountSid,
    api_version: '2010-04-01',
    body,
    date_created: now,
    date_sent: null,
    date_updated: now,
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: params.From ?? null,
    messaging_service_sid: params.MessagingServiceSid ?? null,
    num_media: '0',
    num_segments: String(Math.max(1, Math.ceil(body.length / 160))),
    price: null,
    price_unit: 'USD',
    sid,
    status: params.MessagingServiceSid ? 'accepted' : 'queued',
    subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
    to: params.To ?? '',
    uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
  };
}
