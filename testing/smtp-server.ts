import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

/** One message as it arrived: the SMTP envelope, the parsed message and when it came. */
export interface ReceivedMail {
  readonly envelopeFrom: string;
  readonly envelopeTo: string[];
  /** With angle brackets, as in the header. */
  readonly messageId: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string | false;
  /** Lower-case header name → parsed value (mailparser's). */
  readonly headers: ParsedMail['headers'];
  readonly parsed: ParsedMail;
  readonly raw: Buffer;
  /** Date.now() when the end of DATA arrived. */
  readonly receivedAt: number;
  /** Which connection (1-based, in order of arrival) carried it. */
  readonly connection: number;
  /** The user that authenticated on that connection, if any. */
  readonly user: string | null;
}

export interface TestSmtpServerOptions {
  /** Require AUTH with these credentials (over plain text: tests only). */
  readonly auth?: { readonly user: string; readonly pass: string };
}

/** A real SMTP server in the test process, with switches to misbehave on purpose. */
export interface TestSmtpServer {
  readonly host: string;
  readonly port: number;
  /** Every message accepted so far, in arrival order. */
  readonly mails: ReceivedMail[];
  /** Connections opened so far. */
  connections(): number;
  /** Answers RCPT TO for `address` with `code` (5xx permanent, 4xx transient), `times` times. */
  refuseRecipient(address: string, code?: number, times?: number): void;
  /** Answers the next `n` connections with `code` (default 421) at the greeting and hangs up. */
  failConnections(n: number, code?: number): void;
  /** Lets `n` more messages through, then holds every further MAIL FROM unanswered. */
  holdAfter(n: number): void;
  /** Answers the held MAIL FROMs and stops holding. */
  release(): void;
  /** MAIL FROMs waiting for `release()`. */
  held(): number;
  /** Resolves with the matching mails once there are at least `count` of them. */
  waitForMails(
    count: number,
    options?: { timeoutMs?: number; filter?: (mail: ReceivedMail) => boolean },
  ): Promise<ReceivedMail[]>;
  /** Forgets mails and switches. */
  reset(): void;
  close(): Promise<void>;
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/** Starts a test SMTP server on 127.0.0.1 and a free port. */
export async function startTestSmtpServer(
  options: TestSmtpServerOptions = {},
): Promise<TestSmtpServer> {
  const mails: ReceivedMail[] = [];
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const refusals = new Map<string, { code: number; times: number }>();
  let connectionCount = 0;
  let failing = { n: 0, code: 421 };
  let holdLimit: number | null = null;
  let admitted = 0;
  let waiting: (() => void)[] = [];
  const connectionNumbers = new WeakMap<SMTPServerSession, number>();

  const server = new SMTPServer({
    logger: false,
    secure: false,
    authOptional: !options.auth,
    allowInsecureAuth: true,
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    size: 50 * 1024 * 1024,
    closeTimeout: 1_000,
    disableReverseLookup: true,
    onConnect(session, callback) {
      connectionCount += 1;
      connectionNumbers.set(session, connectionCount);
      if (failing.n > 0) {
        failing.n -= 1;
        callback(smtpError(failing.code, 'Service not available, try again later'));
        return;
      }
      callback();
    },
    onAuth(auth, _session, callback) {
      const ok = auth.username === options.auth?.user && auth.password === options.auth?.pass;
      if (ok) callback(null, { user: auth.username });
      else callback(smtpError(535, 'Authentication credentials invalid'));
    },
    onMailFrom(_address, _session, callback) {
      if (holdLimit !== null && admitted >= holdLimit) {
        waiting.push(() => callback());
        return;
      }
      admitted += 1;
      callback();
    },
    onRcptTo(address, _session, callback) {
      const rule = refusals.get(address.address.toLowerCase());
      if (rule && rule.times > 0) {
        rule.times -= 1;
        const text = rule.code >= 500 ? 'Mailbox unavailable' : 'Mailbox busy, try again later';
        callback(smtpError(rule.code, `${text}: ${address.address}`));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const receivedAt = Date.now();
        const raw = Buffer.concat(chunks);
        // The mail is recorded before the server answers 250: whatever the client was told
        // was accepted is in `mails`.
        simpleParser(raw).then(
          (parsed) => {
            mails.push({
              envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              envelopeTo: session.envelope.rcptTo.map((r) => r.address),
              messageId: parsed.messageId ?? '',
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: parsed.html ?? false,
              headers: parsed.headers,
              parsed,
              raw,
              receivedAt,
              connection: connectionNumbers.get(session) ?? 0,
              user: typeof session.user === 'string' ? session.user : null,
            });
            events.emit('mail');
            callback();
          },
          (err: Error) => callback(err),
        );
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;

  const release = () => {
    holdLimit = null;
    const queued = waiting;
    waiting = [];
    for (const answer of queued) {
      try {
        answer();
      } catch {
        // the client hung up meanwhile
      }
    }
  };

  return {
    host: '127.0.0.1',
    port,
    mails,
    connections: () => connectionCount,
    refuseRecipient: (address, code = 550, times = Number.POSITIVE_INFINITY) =>
      void refusals.set(address.toLowerCase(), { code, times }),
    failConnections: (n, code = 421) => {
      failing = { n, code };
    },
    holdAfter: (n) => {
      holdLimit = admitted + n;
    },
    release,
    held: () => waiting.length,
    waitForMails: (count, { timeoutMs = 15_000, filter = () => true } = {}) =>
      new Promise<ReceivedMail[]>((resolve, reject) => {
        const check = () => {
          const matching = mails.filter(filter);
          if (matching.length < count) return;
          cleanup();
          resolve(matching);
        };
        const timer = setTimeout(() => {
          cleanup();
          const got = mails.filter(filter).length;
          reject(new Error(`expected ${count} mail(s) within ${timeoutMs}ms, got ${got}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          events.off('mail', check);
        };
        events.on('mail', check);
        check();
      }),
    reset: () => {
      mails.length = 0;
      refusals.clear();
      failing = { n: 0, code: 421 };
      release();
    },
    close: () =>
      new Promise<void>((resolve) => {
        release();
        server.close(() => resolve());
      }),
  };
}
