/**
 * Push and SMS bench. Push: BENCH_PUSH_TOKENS device tokens (default 20 000) through burrow's
 * push delivery (the real firebase-admin SDK over HTTP/2, multicasts of 500, settled tokens
 * written to Redis after each) to a local fake FCM in a child process, beside a bare HTTP/2 loop
 * sending the same requests with the same 100 concurrent streams. SMS: BENCH_SMS messages
 * (default 2 000) through the real twilio SDK to a local fake Messages API, 10 at a time,
 * beside a bare undici loop posting the same forms. Run: `node bench/dist/push.js` with the
 * local stack up.
 */
import { execFileSync, fork } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { UNLIMITED } from '@burrow/workers';
import { FcmPushSender } from '@burrow/workers/dist/notifications/fcm-sender';
import { PushDelivery } from '@burrow/workers/dist/notifications/push-delivery';
import { PushState } from '@burrow/workers/dist/notifications/push-state';
import { TwilioHttpClient } from '@burrow/workers/dist/notifications/twilio-http-client';
import { TwilioSmsSender } from '@burrow/workers/dist/notifications/twilio-sender';
import { grouped } from './format';

const say = (line: string) => process.stdout.write(`${line}\n`);
const ACCOUNT_SID = 'AC00000000000000000000000000000009';

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name]?.replace(/[_\s]/g, '');
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

function tlsCertificate(): { key: string; cert: string } {
  const dir = join(tmpdir(), 'burrow-bench-push-tls');
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  if (!existsSync(cert)) {
    mkdirSync(dir, { recursive: true });
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert].concat([
        '-days',
        '3650',
        '-subj',
        '/CN=fcm.googleapis.com',
      ]),
      { stdio: 'ignore' },
    );
  }
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

/** The child: a fake FCM (HTTP/2 + TLS) and a fake Twilio (HTTP) that accept everything. */
function runSinks(): void {
  const fcm = http2.createSecureServer({ ...tlsCertificate(), allowHTTP1: true }, (req, res) => {
    req.resume();
    req.on('end', () => {
      const body = req.url.startsWith('/token')
        ? { access_token: 'bench', expires_in: 3600, token_type: 'Bearer' }
        : { name: `projects/bench/messages/${randomBytes(6).toString('hex')}` };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  const twilio = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const sid = `SM${randomBytes(16).toString('hex')}`;
      res
        .writeHead(201, { 'content-type': 'application/json' })
        .end(JSON.stringify({ sid, status: 'queued', num_segments: '1', body: '', to: '' }));
    });
  });
  twilio.keepAliveTimeout = 60_000;
  fcm.listen(0, '127.0.0.1', () =>
    twilio.listen(0, '127.0.0.1', () =>
      process.send?.({
        fcmPort: (fcm.address() as AddressInfo).port,
        twilioPort: (twilio.address() as AddressInfo).port,
      }),
    ),
  );
  process.on('message', (m) => m === 'stop' && process.exit(0));
}

async function startSinks() {
  const child = fork(__filename, ['--sinks'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ports = await new Promise<{ fcmPort: number; twilioPort: number }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { fcmPort: number; twilioPort: number }));
    child.once('exit', (code) => reject(new Error(`sinks exited with ${code}`)));
  });
  return { ...ports, stop: () => void child.send('stop') };
}

/** firebase-admin's HTTP/2 session to fcm.googleapis.com goes to the local sink instead. */
function routeFcmTo(port: number): void {
  const connect = http2.connect.bind(http2);
  (http2 as { connect: typeof http2.connect }).connect = ((authority: string, options?: object) => {
    const session = connect(`https://127.0.0.1:${port}`, {
      ...options,
      servername: new URL(String(authority)).hostname,
      rejectUnauthorized: false,
    });
    // The SDK sends `:scheme: https:`, which Node's HTTP/2 server refuses; Google accepts it.
    const request = session.request.bind(session);
    session.request = (headers, requestOptions) =>
      request({ ...headers, ':scheme': 'https' }, requestOptions);
    return session;
  }) as typeof http2.connect;
}

interface Row {
  readonly what: string;
  readonly count: number;
  readonly seconds: number;
}

async function timed(what: string, count: number, work: () => Promise<void>): Promise<Row> {
  const started = performance.now();
  await work();
  return { what, count, seconds: (performance.now() - started) / 1000 };
}

async function benchPush(redis: Redis, fcmPort: number, tokens: number): Promise<Row[]> {
  routeFcmTo(fcmPort);
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  // The credential's OAuth request is plain HTTPS: answer it without a network.
  const credential = {
    getAccessToken: () => Promise.resolve({ access_token: 'bench', expires_in: 3600 }),
  };
  const benchSender = new FcmPushSender(
    {
      projectId: 'bench',
      source: 'bench',
      serviceAccount: { projectId: 'bench', clientEmail: 'bench@bench.iam', privateKey },
    },
    { credential },
  );
  const prefix = `bench-push-${randomBytes(4).toString('hex')}:`;
  const delivery = new PushDelivery(
    benchSender,
    UNLIMITED,
    new PushState(redis, { keyPrefix: prefix, ttlSeconds: 600 }),
    0,
  );
  const list = Array.from({ length: tokens }, (_, i) => `bench-token-${i}-${'x'.repeat(140)}`);
  const content = { title: 'Price drop', body: 'A car you follow is cheaper now' };
  try {
    await delivery.deliver({
      pushId: `${prefix}warm`,
      tokens: list.slice(0, 500),
      content,
      signal: new AbortController().signal,
    });
    const burrow = await timed('push: burrow (firebase-admin, HTTP/2)', tokens, async () => {
      const tally = await delivery.deliver({
        pushId: `${prefix}run`,
        tokens: list,
        content,
        signal: new AbortController().signal,
      });
      if (tally.delivered !== tokens) throw new Error(`${tally.delivered} of ${tokens} delivered`);
    });
    const raw = await timed('push: bare HTTP/2 loop, same requests', tokens, () =>
      rawPush(fcmPort, list, content),
    );
    return [burrow, raw];
  } finally {
    await benchSender.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  }
}

/** One HTTP/2 session per 500 tokens, 100 streams at a time, as the SDK does. */
async function rawPush(port: number, tokens: readonly string[], content: object): Promise<void> {
  for (let start = 0; start < tokens.length; start += 500) {
    const session = http2.connect(`https://127.0.0.1:${port}`, {
      rejectUnauthorized: false,
      servername: 'fcm.googleapis.com',
    });
    const batch = tokens.slice(start, start + 500);
    let next = 0;
    const lane = async () => {
      while (next < batch.length) {
        const token = batch[next++];
        const body = JSON.stringify({ message: { token, notification: content } });
        await new Promise<void>((resolve, reject) => {
          const req = session.request({
            ':method': 'POST',
            ':path': '/v1/projects/bench/messages:send',
            authorization: 'Bearer bench',
            'content-type': 'application/json',
          });
          req.on('response', (headers) => {
            if (headers[':status'] !== 200) reject(new Error(`status ${headers[':status']}`));
          });
          req.on('data', () => undefined);
          req.on('end', resolve);
          req.on('error', reject);
          req.end(body);
        });
      }
    };
    await Promise.all(Array.from({ length: 100 }, lane));
    session.close();
  }
}

async function benchSms(twilioPort: number, count: number): Promise<Row[]> {
  const origin = `http://127.0.0.1:${twilioPort}`;
  const httpClient = new TwilioHttpClient({ timeoutMs: 10_000, apiOrigin: origin });
  const sms = new TwilioSmsSender(
    {
      accountSid: ACCOUNT_SID,
      credentials: { kind: 'auth_token', authToken: 'bench' },
      sender: { kind: 'from', from: '+15005550006' },
      statusCallbackUrl: '',
    },
    httpClient,
  );
  const numbers = Array.from({ length: count }, (_, i) => `+1415${String(i).padStart(7, '0')}`);
  const inLanes = async (work: (to: string) => Promise<void>) => {
    let next = 0;
    const lane = async () => {
      while (next < numbers.length) await work(numbers[next++] as string);
    };
    await Promise.all(Array.from({ length: 10 }, lane));
  };
  try {
    await inLanes(async (to) => void (await sms.send({ to, body: 'warm up' })));
    const burrow = await timed('sms: burrow (twilio SDK)', count, () =>
      inLanes(async (to) => void (await sms.send({ to, body: 'Your code is 123456' }))),
    );
    const pool = new Pool(origin, { connections: 10 });
    const auth = `Basic ${Buffer.from(`${ACCOUNT_SID}:bench`).toString('base64')}`;
    const raw = await timed('sms: bare undici loop, same requests', count, () =>
      inLanes(async (to) => {
        const response = await pool.request({
          method: 'POST',
          path: `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`,
          headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            To: to,
            From: '+15005550006',
            Body: 'Your code is 123456',
          }).toString(),
        });
        JSON.parse(await response.body.text());
      }),
    );
    await pool.close();
    return [burrow, raw];
  } finally {
    await httpClient.close();
  }
}

async function main(): Promise<void> {
  const tokens = positiveInt('BENCH_PUSH_TOKENS', 20_000);
  const messages = positiveInt('BENCH_SMS', 2_000);
  const redis = new Redis(process.env.REDIS_URL || 'redis://localhost:6379');
  const sinks = await startSinks();
  let rows: Row[] = [];
  try {
    say(`push bench: ${grouped(tokens)} tokens…`);
    rows = rows.concat(await benchPush(redis, sinks.fcmPort, tokens));
    say(`sms bench: ${grouped(messages)} messages…`);
    rows = rows.concat(await benchSms(sinks.twilioPort, messages));
  } finally {
    sinks.stop();
    redis.disconnect();
  }
  say('');
  say('Providers against local fakes in a separate process (one machine, loopback):');
  say('');
  say('| path | requests | seconds | per second |');
  say('| --- | ---: | ---: | ---: |');
  for (const r of rows)
    say(
      `| ${r.what} | ${grouped(r.count)} | ${r.seconds.toFixed(2)} | ${grouped(r.count / r.seconds)} |`,
    );
  const ratio = (a?: Row, b?: Row) =>
    a && b ? ((a.count / a.seconds / (b.count / b.seconds)) * 100).toFixed(0) : '?';
  say('');
  say(`Push through burrow runs at ${ratio(rows[0], rows[1])} % of the bare HTTP/2 loop.`);
  say(`SMS through burrow runs at ${ratio(rows[2], rows[3])} % of the bare undici loop.`);
}

if (process.argv.includes('--sinks')) runSinks();
else
  main().catch((err: Error) => {
    process.stderr.write(`push bench failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
