import { Type } from '@sinclair/typebox';

/*
 * Schema building blocks shared by the catalogue. Kwargs objects are closed
 * (`additionalProperties: false`) so a typo in a publisher is a permanent error, not a silently
 * ignored argument; result objects stay open so a worker may add fields without breaking readers.
 * Schemas carry no `$id` and no `format`: they must check with a bare TypeCompiler and stay
 * self-contained when exported as JSON Schema.
 */

/** Basic address check; full RFC 5322 validation is the mail server's business. */
export const EMAIL_PATTERN = '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$';

/** E.164: a plus sign, a non-zero country code digit, 7 to 15 digits in all. */
export const E164_PATTERN = '^\\+[1-9]\\d{6,14}$';

/** A plain email address, `user@example.com`. */
export const EmailAddress = Type.String({
  pattern: EMAIL_PATTERN,
  maxLength: 254,
  description: 'Email address, e.g. user@example.com',
});

/** A sender as Django writes `DEFAULT_FROM_EMAIL`: a bare address or `Name <address>`. */
export const Mailbox = Type.String({
  pattern: '^(?:[^<>]*<[^\\s@<>]+@[^\\s@<>]+\\.[^\\s@<>]+>|[^\\s@<>]+@[^\\s@<>]+\\.[^\\s@<>]+)$',
  maxLength: 320,
  description: 'Email address, optionally with a display name: "Name <user@example.com>"',
});

/** One address or a list of them, as Django's `EmailMessage` accepts both in practice. */
export function addressList(maxItems: number) {
  return Type.Union([EmailAddress, Type.Array(EmailAddress, { minItems: 1, maxItems })]);
}

/** A backend user id: Django's integer primary key, or a UUID/string key. */
export const UserId = Type.Union([
  Type.Integer({ minimum: 1 }),
  Type.String({ minLength: 1, maxLength: 64 }),
]);

/** Calendar date, `YYYY-MM-DD`. */
export const IsoDate = Type.String({
  pattern: '^\\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\\d|3[01])$',
  description: 'Calendar date, YYYY-MM-DD',
});

/** Timestamp as ISO 8601 with a UTC offset, as Python's `datetime.isoformat()` writes it. */
export const IsoDateTime = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d+)?)?(?:Z|[+-]\\d{2}:\\d{2})$',
  description: 'ISO 8601 timestamp with offset',
});

/** Three-letter ISO 4217 currency code. */
export const CurrencyCode = Type.String({
  pattern: '^[A-Z]{3}$',
  description: 'ISO 4217 currency code, e.g. USD',
});

/** String keys to string values (FCM data payloads, mail merge fields, extra headers). */
export const StringMap = Type.Record(Type.String(), Type.String());

/** Any JSON object. */
export const JsonObject = Type.Record(Type.String(), Type.Unknown());

export const NonNegativeInteger = Type.Integer({ minimum: 0 });
