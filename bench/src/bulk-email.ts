/**
 * Bulk email bench: one bulk task of BENCH_EMAILS recipients (default 10 000), sent by burrow's
 * own bulk sender (personalisation, per-recipient progress in Redis, bounded concurrency) to a
 * local SMTP server in a child process, pooled (BENCH_SMTP_POOL connections, default 8) versus
 * one connection per mail. Run: `node bench/dist/bulk-email.js` with the local stack up.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { SMTPServer } from 'smtp-server';
import { createLogger } from '@burrow/shared';
import { EmailState, SmtpMailer, UNLIMITED, sendBulk } from '@burrow/workers';
import { grouped } from './format';

interface Row {
  readonly mode: string;
  readonly connections: string;
  readonly mails: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
}

const say = (line: string) => process.stdout.write(`${line}\n`);

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name]?.replace(/[_\s]/g, '');
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

/** The child: an SMTP server that takes every message and counts it, nothing more. */
function runSink(): void {
  let received = 0;
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    disableReverseLookup: true,
    onData(stream, _session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        received += 1;
        callback();
      });
    },
  });
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ port: (server.server.address() as AddressInfo).port });
  });
  process.on('message', (message) => {
    if (message === 'count') process.send?.({ received });
    if (message === 'stop') server.close(() => process.exit(0));
  });
}

/** Starts the sink in a child process (the second core) and returns how to talk to it. */
async function startSink(): Promise<{ port: number; received(): Promise<number>; stop(): void }> {
  const child = fork(__filename, ['--sink'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`SMTP sink exited with ${code}`)));
  });
  return {
    port,
    received: () =>
      new Promise<number>((resolve) => {
        child.once('message', (m) => resolve((m as { received: number }).received));
        child.send('count');
      }),
    stop: () => void child.send('stop'),
  };
}

async function measure(
  redis: Redis,
  port: number,
  emails: number,
  pooled: boolean,
  poolSize: number,
): Promise<{ mails: number; seconds: number; cpuSeconds: number }> {
  const prefix = `bench-email-${randomBytes(4).toString('hex')}:`;
  const mailer = new SmtpMailer({
    host: '127.0.0.1',
    port,
    pooled,
    poolSize,
    messagesPerConnection: 1_000,
  });
  const state = new EmailState(redis, { keyPrefix: prefix, ttlSeconds: 600 });
  const recipients = Array.from({ length: emails }, (_, i) => ({
    email: `reader${i}@example.com`,
    name: `Reader ${i}`,
    fields: { code: `C${i}` },
  }));
  const cpu = process.cpuUsage();
  const started = performance.now();
  try {
    const result = await sendBulk(
      {
        taskId: `bench-${randomBytes(6).toString('hex')}`,
        recipients,
        subject: 'Weekly news for {{name}}',
        text: 'Hello {{name}},\n\nyour code is {{code}}.\n',
        html: '<p>Hello {{name}},</p><p>your code is <b>{{code}}</b>.</p>',
        from: { name: 'Bench', address: 'bench@burrow.test' },
      },
      {
        mailer,
        limiter: UNLIMITED,
        state,
        messageIdDomain: 'bench.burrow.test',
        concurrency: poolSize * 2,
        logger: createLogger({ service: 'bench', silent: true }),
        signal: new AbortController().signal,
        reportProgress: () => Promise.resolve(),
        lastAttempt: true,
      },
    );
    if (result.failed > 0)
      throw new Error(`${result.failed} mails failed: ${result.failures[0]?.error}`);
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    return { mails: result.sent, seconds, cpuSeconds: (used.user + used.system) / 1e6 };
  } finally {
    await mailer.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  }
}

async function main(): Promise<void> {
  const emails = positiveInt('BENCH_EMAILS', 10_000);
  const poolSize = positiveInt('BENCH_SMTP_POOL', 8);
  const redis = new Redis(process.env.REDIS_URL || 'redis://localhost:6379');
  const sink = await startSink();
  const rows: Row[] = [];
  try {
    for (const [mode, pooled, connections] of [
      ['pooled', true, `pool of ${poolSize}`],
      ['one connection per mail', false, `up to ${poolSize * 2} at once`],
    ] as const) {
      say(`bulk email bench: ${grouped(emails)} mails, ${mode}…`);
      const before = await sink.received();
      const run = await measure(redis, sink.port, emails, pooled, poolSize);
      const arrived = (await sink.received()) - before;
      if (arrived !== run.mails) throw new Error(`sent ${run.mails} but the server got ${arrived}`);
      rows.push({ mode, connections, ...run });
    }
  } finally {
    sink.stop();
    redis.disconnect();
  }
  say('');
  say(
    `Bulk email, ${grouped(emails)} personalised mails to a local SMTP server (separate process), progress in Redis:`,
  );
  say('');
  say('| mode | connections | mails | seconds | mails/s | sender CPU s |');
  say('| --- | --- | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    say(
      `| ${r.mode} | ${r.connections} | ${grouped(r.mails)} | ${r.seconds.toFixed(2)} | ${grouped(r.mails / r.seconds)} | ${r.cpuSeconds.toFixed(2)} |`,
    );
  }
  const [pooled, single] = rows;
  if (pooled && single)
    say(
      `\nPooled is ${(pooled.mails / pooled.seconds / (single.mails / single.seconds)).toFixed(1)}× one connection per mail.`,
    );
}

if (process.argv.includes('--sink')) runSink();
else
  main().catch((err: Error) => {
    process.stderr.write(`bulk email bench failed: ${err.message}\n`);
    process.exit(1);
  });
