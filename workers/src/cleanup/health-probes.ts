import { statfs } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import type { ProviderPresence } from './health-config';

/**
 * Is the SMTP server there and speaking SMTP: a TCP (or, for implicit TLS, TLS) connect and a
 * `220` greeting, then QUIT. Nothing is sent before the greeting, no mail, no AUTH: cheap
 * enough for every five minutes and harmless to the server.
 */
export async function probeSmtp(
  target: { readonly host: string; readonly port: string; readonly secure: boolean },
  signal: AbortSignal,
): Promise<void> {
  const port = Number(target.port);
  if (!/^\d+$/.test(target.port.trim()) || port < 1 || port > 65535)
    throw new Error(`SMTP_PORT ${JSON.stringify(target.port)} is not a port`);
  signal.throwIfAborted();
  const socket = target.secure
    ? tls.connect({ host: target.host, port, servername: target.host })
    : net.connect({ host: target.host, port });
  try {
    const greeting = await firstLine(socket, signal, target.secure ? 'secureConnect' : 'connect');
    if (!/^220[ -]/.test(greeting))
      throw new Error(`unexpected SMTP greeting: ${greeting.slice(0, 120)}`);
    socket.end('QUIT\r\n');
  } finally {
    socket.on('error', () => undefined); // late errors of a socket being thrown away
    socket.destroySoon();
    setTimeout(() => socket.destroy(), 1_000).unref();
  }
}

/** The first CRLF-terminated line the server sends, or a rejection (error, close, abort). */
function firstLine(socket: net.Socket, signal: AbortSignal, connected: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    let open = false;
    const done = (fn: () => void) => {
      signal.removeEventListener('abort', onAbort);
      socket.removeAllListeners('data');
      fn();
    };
    const onAbort = () =>
      done(() => reject(new Error(open ? 'no SMTP greeting in time' : 'connect timed out')));
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once(connected, () => {
      open = true;
    });
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      const end = buffered.indexOf('\n');
      if (end !== -1) done(() => resolve(buffered.slice(0, end).replace(/\r$/, '')));
    });
    socket.once('error', (err) => done(() => reject(err)));
    socket.once('close', () => done(() => reject(new Error('closed before the SMTP greeting'))));
  });
}

/** A provider's configuration as the health check reports it. */
export interface ProviderState {
  readonly status: 'configured' | 'not_configured' | 'incomplete';
  /** Incomplete: what is still needed, e.g. `FCM_PROJECT_ID`. */
  readonly missing?: string[];
}

/**
 * FCM needs a service account (FCM_CREDENTIALS_FILE or FCM_CREDENTIALS_JSON; FCM_PROJECT_ID
 * only when the key names no project, which only the notifications worker can tell by
 * reading the key); Twilio needs TWILIO_ACCOUNT_SID, a credential (TWILIO_AUTH_TOKEN, or
 * TWILIO_API_KEY with TWILIO_API_SECRET) and a sender (TWILIO_FROM or
 * TWILIO_MESSAGING_SERVICE_SID). Nothing set is `not_configured` (a fleet may not send push or
 * SMS); some but not all is `incomplete`, which is what a half-done deployment looks like.
 */
export function providerStates(presence: ProviderPresence): Record<string, ProviderState> {
  const has = (name: string) => presence.set[name] === true;
  const anyOf = (prefix: string) =>
    Object.entries(presence.set).some(([name, set]) => set && name.startsWith(prefix));
  const state = (prefix: string, missing: (string | null)[]): ProviderState => {
    if (!anyOf(prefix)) return { status: 'not_configured' };
    const needed = missing.filter((m): m is string => m !== null);
    return needed.length === 0
      ? { status: 'configured' }
      : { status: 'incomplete', missing: needed };
  };
  return {
    // FCM_PROJECT_ID is optional: the notifications family takes the key's project_id.
    fcm: state('FCM_', [
      has('FCM_CREDENTIALS_FILE') || has('FCM_CREDENTIALS_JSON')
        ? null
        : 'FCM_CREDENTIALS_FILE or FCM_CREDENTIALS_JSON',
    ]),
    twilio: state('TWILIO_', [
      has('TWILIO_ACCOUNT_SID') ? null : 'TWILIO_ACCOUNT_SID',
      has('TWILIO_AUTH_TOKEN') || (has('TWILIO_API_KEY') && has('TWILIO_API_SECRET'))
        ? null
        : 'TWILIO_AUTH_TOKEN or TWILIO_API_KEY with TWILIO_API_SECRET',
      has('TWILIO_FROM') || has('TWILIO_MESSAGING_SERVICE_SID')
        ? null
        : 'TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID',
    ]),
  };
}

/** Free space of the filesystem a folder is (or will be) on. */
export interface DiskState {
  readonly status: 'ok' | 'low';
  /** The folder measured: the one given, or its nearest existing parent. */
  readonly measured: string;
  readonly free_mb: number;
  readonly total_mb: number;
  readonly free_percent: number;
}

const MB = 1024 * 1024;

/**
 * Measures `dir` with statfs (space available to this unprivileged process). A folder that
 * does not exist yet (no report written so far) is measured at its nearest existing parent:
 * that is where its files will land.
 */
export async function diskState(
  dir: string,
  floor: { readonly minFreeMb: number; readonly minFreePercent: number },
): Promise<DiskState> {
  let measured = path.resolve(dir);
  for (;;) {
    try {
      const stats = await statfs(measured);
      const free = stats.bavail * stats.bsize;
      const total = stats.blocks * stats.bsize;
      const free_mb = Math.floor(free / MB);
      const free_percent = total > 0 ? Math.round((free / total) * 1000) / 10 : 0;
      const low =
        (floor.minFreeMb > 0 && free_mb < floor.minFreeMb) ||
        (floor.minFreePercent > 0 && free_percent < floor.minFreePercent);
      return {
        status: low ? 'low' : 'ok',
        measured,
        free_mb,
        total_mb: Math.floor(total / MB),
        free_percent,
      };
    } catch (err) {
      const parent = path.dirname(measured);
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || parent === measured) throw err;
      measured = parent;
    }
  }
}
