import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKeyConfig } from './api-config';

/** Who a request acts as: a configured key, or the anonymous caller when that is allowed. */
export type Caller = ApiKeyConfig | typeof ANONYMOUS;

export const ANONYMOUS = Object.freeze({
  name: 'anonymous',
  sha256: '',
  tasks: null,
  ratePerSecond: 0,
  burst: 1,
} as const);

export type Authentication =
  | { readonly ok: true; readonly caller: Caller }
  | { readonly ok: false; readonly reason: 'missing_key' | 'invalid_key' };

/** The hex SHA-256 of a key, as API_KEYS stores it. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * The configured keys. A presented key is hashed and compared with every stored hash in
 * constant time, and the loop never stops early, so timing tells nothing about which stored
 * hash came close; only hashes are kept, so a leaked config does not leak keys.
 */
export class KeyRing {
  private readonly digests: readonly { key: ApiKeyConfig; digest: Buffer }[];

  constructor(
    keys: readonly ApiKeyConfig[],
    private readonly allowAnonymous: boolean,
  ) {
    this.digests = keys.map((key) => ({ key, digest: Buffer.from(key.sha256, 'hex') }));
  }

  authenticate(presented: string | undefined): Authentication {
    if (presented === undefined || presented === '')
      return this.allowAnonymous
        ? { ok: true, caller: ANONYMOUS }
        : { ok: false, reason: 'missing_key' };
    const digest = createHash('sha256').update(presented, 'utf8').digest();
    let found: ApiKeyConfig | undefined;
    for (const entry of this.digests)
      if (timingSafeEqual(entry.digest, digest) && found === undefined) found = entry.key;
    return found ? { ok: true, caller: found } : { ok: false, reason: 'invalid_key' };
  }
}

/** Whether a caller may submit (or read, or revoke) a task of this name. */
export function mayUse(caller: Caller, taskName: string): boolean {
  return caller.tasks === null || caller.tasks.includes(taskName);
}

/** The key from `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedKey(headers: Readonly<Record<string, unknown>>): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (match) return match[1];
  }
  const header = headers['x-api-key'];
  return typeof header === 'string' ? header.trim() : undefined;
}
