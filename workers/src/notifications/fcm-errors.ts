/** What a failed token's error means for it. */
export type TokenFailureKind =
  /** The token is dead: reported to the backend so it can forget it, never retried. */
  | 'invalid'
  /** This message can never reach this token (wrong sender, APNs credential): not retried. */
  | 'permanent'
  /** FCM or the path to it is busy or broken now: the token is tried again later. */
  | 'transient';

export interface TokenFailure {
  readonly kind: TokenFailureKind;
  /** firebase-admin's code without its `messaging/` prefix, e.g. `registration-token-not-registered`. */
  readonly code: string;
  readonly message: string;
}

/**
 * firebase-admin's error codes (FCM HTTP v1 statuses mapped by the SDK), by what they mean for
 * the token. Anything not listed is transient: an unknown error is retried, never turned into
 * a deleted device.
 */
const KIND_BY_CODE: Readonly<Record<string, TokenFailureKind>> = {
  'registration-token-not-registered': 'invalid', // UNREGISTERED, NOT_FOUND
  'invalid-registration-token': 'invalid',
  // A malformed token or a malformed message alike; never deleted on it, since a bad apns
  // override fails only the iOS tokens of a message the Android ones accept.
  'invalid-argument': 'permanent',
  'mismatched-credential': 'permanent', // SENDER_ID_MISMATCH, PERMISSION_DENIED
  'third-party-auth-error': 'permanent', // APNs or web-push credential missing or expired
  'invalid-package-name': 'permanent',
  'payload-size-limit-exceeded': 'permanent',
  'invalid-data-payload-key': 'permanent',
  'invalid-options': 'permanent',
  'authentication-error': 'permanent', // our credential lacks the permission
  'message-rate-exceeded': 'transient', // QUOTA_EXCEEDED, RESOURCE_EXHAUSTED
  'device-message-rate-exceeded': 'transient',
  'server-unavailable': 'transient', // UNAVAILABLE, 503
  'internal-error': 'transient', // INTERNAL, 500
  'unknown-error': 'transient',
};

/** Network failures below the SDK (app/network-error, session errors) are transient. */
export function classifyTokenError(error: unknown): TokenFailure {
  const fields = (error ?? {}) as { code?: unknown; message?: unknown };
  const fullCode = typeof fields.code === 'string' ? fields.code : 'unknown-error';
  const code = fullCode.replace(/^messaging\//, '');
  const message = typeof fields.message === 'string' ? fields.message : String(error);
  if (fullCode.startsWith('app/')) return { kind: 'transient', code, message };
  return { kind: KIND_BY_CODE[code] ?? 'transient', code, message };
}
