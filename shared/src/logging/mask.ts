const SECRET_KEY = /pass(word)?|secret|token|api[-_]?key|authorization|auth|cookie|credential/i;
const EMAIL = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;
const PHONE = /\+(\d{5,})(\d{3})\b/g;
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/\s]*:)[^@/\s]+@/gi;

/**
 * Hides the personal part of e-mail addresses, phone numbers (all but the last three digits)
 * and URL passwords in a string.
 */
export function maskText(text: string): string {
  // Every pattern needs an @ (addresses, URL passwords) or a + (phone numbers): most lines,
  // a constant message among them, have neither and skip the three scans.
  if (!text.includes('@') && !text.includes('+')) return text;
  return text
    .replace(URL_CREDENTIALS, '$1***@')
    .replace(EMAIL, '$1***@$2')
    .replace(PHONE, (_m, hidden: string, last: string) => `+${'*'.repeat(hidden.length)}${last}`);
}

/**
 * Masks a log record's fields: values under secret-looking keys vanish entirely, strings have
 * addresses and phone numbers masked. Depth is bounded so a cyclic object cannot hang logging.
 */
export function maskValue(value: unknown, key = '', depth = 0): unknown {
  if (key !== '' && SECRET_KEY.test(key) && value !== null && value !== undefined && value !== '')
    return '***';
  if (typeof value === 'string') return maskText(value);
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((item) => maskValue(item, '', depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskValue(v, k, depth + 1);
  return out;
}
