import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Ports of the local stack (deploy/local-stack.sh writes them to .stack/ports.env). */
function stackPorts(): Record<string, string> {
  const file = path.join(__dirname, '..', '.stack', 'ports.env');
  if (!fs.existsSync(file)) return {};
  return Object.fromEntries(
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => line.split('='))
      .filter((parts): parts is [string, string] => parts.length === 2 && parts[0] !== ''),
  );
}

const ports = stackPorts();
export const AMQP_URL =
  process.env.TEST_RABBITMQ_URL ?? `amqp://guest:guest@127.0.0.1:${ports.AMQP_PORT ?? 5672}/`;
export const REDIS_URL =
  process.env.TEST_REDIS_URL ?? `redis://127.0.0.1:${ports.REDIS_PORT ?? 6379}/0`;
export const MGMT_URL = `http://127.0.0.1:${ports.MGMT_PORT ?? 15672}`;
export const REPO_ROOT = path.join(__dirname, '..');

/** A name no other test uses: queues, key prefixes, worker names. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Polls until `check` returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs}ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Fleet settings for the local stack, as `connectFleet` takes them. */
export function stackFleetConfig(
  options: {
    keyPrefix?: string;
    publishTimeoutMs?: number;
    maxBuffered?: number;
    /** A private virtual host's URL. @default AMQP_URL */
    amqpUrl?: string;
  } = {},
) {
  return {
    rabbitmq: { url: options.amqpUrl ?? AMQP_URL, heartbeatSeconds: 15 },
    redis: { url: REDIS_URL, keyPrefix: options.keyPrefix ?? '' },
    results: { expiresSeconds: 600 },
    publish: {
      timeoutSeconds: (options.publishTimeoutMs ?? 10_000) / 1000,
      maxBuffered: options.maxBuffered ?? 10_000,
    },
  } as const;
}
