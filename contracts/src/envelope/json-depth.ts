/**
 * The deepest nesting of arrays and objects a message body may have. Real task payloads nest a
 * handful of levels (a Celery canvas adds about three per signature, so 64 leaves room for a
 * dozen nested signatures). JSON.parse copes with any depth, but everything after it recurses
 * once per level: unwrapping kombu types, schema checks, structuredClone for defaults and
 * JSON.stringify of the stored result. On Node 20 structuredClone overflows the stack at about
 * 4 000 levels and JSON.stringify at 5 000 to 8 000, fewer when called from deep in a stack, and
 * a stack overflow while storing a result is a task that can never be settled.
 */
export const MAX_BODY_DEPTH = 64;

const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \
const OPEN_ARRAY = 0x5b; // [
const CLOSE_ARRAY = 0x5d; // ]
const OPEN_OBJECT = 0x7b; // {
const CLOSE_OBJECT = 0x7d; // }

/**
 * True when JSON text nests arrays and objects deeper than `limit`. Iterative and cheap (it
 * jumps over strings with indexOf: ~0.2 ms for a 10 MB string body), so it runs before
 * JSON.parse on every message. Brackets inside strings do not count; the text need not be
 * valid JSON (the parser judges that afterwards).
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = closingQuote(text, i);
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      depth += 1;
      if (depth > limit) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth -= 1;
    }
  }
  return false;
}

/** Index of the quote closing the string opened at `open`, or the end of the text. */
function closingQuote(text: string, open: number): number {
  let at = open;
  for (;;) {
    at = text.indexOf('"', at + 1);
    if (at < 0) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return at;
  }
}
