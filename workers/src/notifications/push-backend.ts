import { createHash } from 'node:crypto';
import { PermanentError } from '@burrow/shared';
import type { BackendClient } from '../providers/backend-client';
import type { NotificationPaths } from './config';

/**
 * The device tokens the backend has for a user: GET BACKEND_USER_DEVICES_PATH with `{user_id}`
 * replaced, answering `{"tokens": [...]}`, a bare list of tokens, or a list of
 * `{"token": ...}` objects (a device table serialised as it is).
 */
export async function userDeviceTokens(
  backend: BackendClient,
  paths: NotificationPaths,
  userId: string | number,
  signal: AbortSignal,
): Promise<string[]> {
  const path = paths.userDevices.replaceAll('{user_id}', encodeURIComponent(String(userId)));
  const { body } = await backend.call('GET', path, undefined, { signal });
  const list = Array.isArray(body) ? body : (body as { tokens?: unknown } | null)?.tokens;
  if (!Array.isArray(list))
    throw new PermanentError(
      `backend GET ${path} answered no token list (expected {"tokens": [...]})`,
      'bad_backend_answer',
    );
  const tokens = list
    .map((item: unknown) =>
      typeof item === 'string' ? item : (item as { token?: unknown } | null)?.token,
    )
    .filter((token): token is string => typeof token === 'string' && token !== '');
  return [...new Set(tokens)];
}

/**
 * Tells the backend which tokens FCM called dead, so it can delete them: POST
 * BACKEND_INVALID_TOKENS_PATH `{task_id, user_id, tokens, reasons}`. The Idempotency-Key is
 * derived from the push and the tokens, so a repeated report of the same tokens is recognisable.
 */
export async function reportInvalidTokens(
  backend: BackendClient,
  path: string,
  report: {
    readonly pushId: string;
    readonly userId: string | number | null;
    readonly tokens: readonly string[];
    readonly reasons: ReadonlyMap<string, string>;
  },
  signal: AbortSignal,
): Promise<void> {
  const tokens = [...report.tokens].sort();
  const digest = createHash('sha256').update(tokens.join('\n')).digest('hex').slice(0, 16);
  await backend.call(
    'POST',
    path,
    {
      task_id: report.pushId,
      user_id: report.userId,
      tokens,
      reasons: Object.fromEntries(tokens.map((token) => [token, report.reasons.get(token)])),
    },
    { signal, idempotencyKey: `${report.pushId}:invalid-tokens:${digest}` },
  );
}
