import type { ExceptionInfo } from '../results';
import { isRecord } from './signature';
import type { ChordPart } from './canvas-store';

/** States whose chord part fails the chord (Celery's PROPAGATE_STATES). */
const PROPAGATE = new Set(['FAILURE', 'REVOKED']);

/** The first failed part in header order, as Celery's `_unpack_chord_result` meets it. */
export function firstFailedPart(parts: readonly ChordPart[]): ChordPart | undefined {
  return parts.find((part) => PROPAGATE.has(part.state));
}

/**
 * The exception a chord with a failed header task ends in, worded as Celery's Redis backend
 * words it: `ChordError("Dependency <id> raised ValueError('boom')")`, so a caller's
 * `except ChordError` and its message read the same whichever worker finished the chord.
 */
export function chordError(part: ChordPart): ExceptionInfo {
  return {
    type: 'ChordError',
    module: 'celery.exceptions',
    message: `Dependency ${part.taskId} raised ${exceptionRepr(part.result)}`,
  };
}

/** Python's repr of a rebuilt exception `{exc_type, exc_message, exc_module}`. */
export function exceptionRepr(value: unknown): string {
  if (!isRecord(value) || typeof value.exc_type !== 'string') return pythonRepr(value);
  const args = Array.isArray(value.exc_message) ? value.exc_message : [value.exc_message];
  return `${value.exc_type}(${args.map(pythonRepr).join(', ')})`;
}

/** Python's repr of a JSON value: enough for exception arguments. */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return stringRepr(value);
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  if (isRecord(value)) {
    const items = Object.entries(value).map(([k, v]) => `${stringRepr(k)}: ${pythonRepr(v)}`);
    return `{${items.join(', ')}}`;
  }
  return stringRepr(String(value));
}

/** Single quotes unless the text has one and no double quote, as CPython chooses. */
function stringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t');
  return quote + (quote === "'" ? escaped.replace(/'/g, "\\'") : escaped) + quote;
}
