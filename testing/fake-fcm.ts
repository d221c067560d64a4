import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import http2 from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One messages:send request as it arrived. */
export interface FcmSendRequest {
  readonly projectId: string;
  readonly token: string;
  readonly message: Readonly<Record<string, unknown>>;
  readonly authorization: string;
  /** The HTTP status answered. */
  readonly status: number;
  readonly httpVersion: string;
  /** When it arrived (ms since the epoch). */
  readonly at: number;
}

/** FCM v1 error codes the fake can answer, as FCM puts them in the error's details. */
export type FcmErrorCode =
  | 'UNREGISTERED'
  | 'INVALID_ARGUMENT'
  | 'SENDER_ID_MISMATCH'
  | 'QUOTA_EXCEEDED'
  | 'UNAVAILABLE'
  | 'INTERNAL'
  | 'THIRD_PARTY_AUTH_ERROR';

/** How the next matching requests fail. */
export interface FcmFailure {
  readonly error: FcmErrorCode;
  /** Requests it applies to, per token. @default 1 */
  readonly times?: number;
  /** Only these tokens. @default every token */
  readonly tokens?: Iterable<string>;
}

/** A local stand-in for fcm.googleapis.com (and Google's OAuth token endpoint), over TLS. */
export interface FakeFcm {
  readonly port: number;
  /** Every messages:send request so far, in arrival order. */
  readonly requests: FcmSendRequest[];
  /** Tokens accepted (answered 200), duplicates kept, in order. */
  delivered(): string[];
  /** OAuth token requests seen (the real service-account credential fetching its token). */
  readonly tokenRequests: number;
  /** These tokens answer UNREGISTERED from now on. */
  unregister(tokens: Iterable<string>): void;
  /** Makes the next request(s) fail as described. */
  fail(failure: FcmFailure): void;
  /** Resolves once `count` requests matching `filter` have arrived. */
  waitForRequests(
    count: number,
    options?: { filter?: (r: FcmSendRequest) => boolean; timeoutMs?: number },
  ): Promise<FcmSendRequest[]>;
  close(): Promise<void>;
}

const STATUS: Readonly<Record<FcmErrorCode, [number, string]>> = {
  UNREGISTERED: [404, 'NOT_FOUND'],
  INVALID_ARGUMENT: [400, 'INVALID_ARGUMENT'],
  SENDER_ID_MISMATCH: [403, 'PERMISSION_DENIED'],
  QUOTA_EXCEEDED: [429, 'RESOURCE_EXHAUSTED'],
  UNAVAILABLE: [503, 'UNAVAILABLE'],
  INTERNAL: [500, 'INTERNAL'],
  THIRD_PARTY_AUTH_ERROR: [401, 'UNAUTHENTICATED'],
};

const SEND_PATH = /^\/v1\/projects\/([^/]+)\/messages:send$/;

/** A self-signed certificate for the fake, made once per machine with openssl. */
export function fakeTlsCertificate(): { key: string; cert: string } {
  const dir = join(tmpdir(), 'burrow-fake-fcm-tls');
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  if (!existsSync(cert)) {
    mkdirSync(dir, { recursive: true });
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '3650',
        '-subj',
        '/CN=fcm.googleapis.com',
      ],
      { stdio: 'ignore' },
    );
  }
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

/**
 * A service-account key as Google issues it, with a fresh RSA key: firebase-admin signs its
 * OAuth assertion with it for real, and the fake's token endpoint accepts any.
 */
export function fakeServiceAccountJson(projectId = 'burrow-test'): string {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return JSON.stringify({
    type: 'service_account',
    project_id: projectId,
    private_key_id: randomBytes(8).toString('hex'),
    private_key: privateKey,
    client_email: `burrow@${projectId}.iam.gserviceaccount.com`,
    client_id: '1',
    token_uri: 'https://oauth2.googleapis.com/token',
  });
}

/** Starts the fake on an ephemeral loopback port; it speaks HTTP/2 and HTTP/1.1, as Google does. */
export async function startFakeFcm(): Promise<FakeFcm> {
  const requests: FcmSendRequest[] = [];
  const unregistered = new Set<string>();
  const failures: { failure: FcmFailure; tokens: Set<string> | null; left: Map<string, number> }[] =
    [];
  const events = new EventEmitter();
  let tokenRequests = 0;

  const failureFor = (token: string): FcmErrorCode | null => {
    for (const entry of failures) {
      if (entry.tokens && !entry.tokens.has(token)) continue;
      const left = entry.left.get(token) ?? entry.failure.times ?? 1;
      if (left <= 0) continue;
      entry.left.set(token, left - 1);
      return entry.failure.error;
    }
    return null;
  };

  const handle = (
    req: IncomingMessage | http2.Http2ServerRequest,
    res: ServerResponse | http2.Http2ServerResponse,
  ) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '';
      if (req.method === 'POST' && url.startsWith('/token')) {
        tokenRequests += 1;
        json(res, 200, {
          access_token: 'fake-access-token',
          expires_in: 3600,
          token_type: 'Bearer',
        });
        return;
      }
      const match = SEND_PATH.exec(url);
      if (req.method !== 'POST' || !match) {
        json(res, 404, { error: { code: 404, message: 'not found', status: 'NOT_FOUND' } });
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as {
        message?: Record<string, unknown>;
      };
      const message = body.message ?? {};
      const token = typeof message.token === 'string' ? message.token : '';
      const error = unregistered.has(token) ? 'UNREGISTERED' : failureFor(token);
      const [status, statusName] = error ? STATUS[error] : [200, 'OK'];
      requests.push({
        projectId: match[1] ?? '',
        token,
        message,
        authorization: String(req.headers.authorization ?? ''),
        status,
        httpVersion: req.httpVersion,
        at: Date.now(),
      });
      events.emit('request');
      if (!error) {
        json(res, 200, { name: `projects/${match[1]}/messages/${randomBytes(8).toString('hex')}` });
        return;
      }
      json(res, status, {
        error: {
          code: status,
          message: `fake FCM: ${error}`,
          status: statusName,
          details: [
            { '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode: error },
          ],
        },
      });
    });
  };

  const server = http2.createSecureServer({ ...fakeTlsCertificate(), allowHTTP1: true }, handle);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session: http2.ServerHttp2Session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    requests,
    delivered: () => requests.filter((r) => r.status === 200).map((r) => r.token),
    get tokenRequests() {
      return tokenRequests;
    },
    unregister: (tokens) => {
      for (const token of tokens) unregistered.add(token);
    },
    fail: (failure) => {
      failures.push({
        failure,
        tokens: failure.tokens ? new Set(failure.tokens) : null,
        left: new Map(),
      });
    },
    waitForRequests: (count, options = {}) => {
      const matching = () => requests.filter(options.filter ?? (() => true));
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = matching();
          if (found.length < count) return;
          clearTimeout(timer);
          events.off('request', check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          events.off('request', check);
          reject(new Error(`fake FCM: ${matching().length} of ${count} requests arrived`));
        }, options.timeoutMs ?? 20_000);
        events.on('request', check);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}

function json(
  res: ServerResponse | http2.Http2ServerResponse,
  status: number,
  body: unknown,
): void {
  const text = JSON.stringify(body);
  (res as ServerResponse)
    .writeHead(status, { 'content-type': 'application/json; charset=UTF-8' })
    .end(text);
}
