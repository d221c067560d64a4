import type { SendOptions } from '@burrow/shared';
import type { FieldError } from './validation-errors';

/** The scheduling options a submission takes from its query string. */
export interface SubmitQuery {
  readonly countdown?: string;
  readonly eta?: string;
  readonly expires?: string;
}

export type ParsedOptions =
  | { readonly ok: true; readonly options: Pick<SendOptions, 'countdown' | 'eta' | 'expires'> }
  | { readonly ok: false; readonly errors: FieldError[] };

/**
 * `?countdown=<s>`, `?eta=<ISO 8601>` and `?expires=<s or ISO 8601>`, as Celery's apply_async
 * takes them. They travel in the query so the body stays exactly the task's kwargs (the seed's
 * flat `{to_email, subject, body}`), and a task may have a kwarg of any name. Pure.
 */
export function parseSubmitOptions(query: SubmitQuery, now = Date.now()): ParsedOptions {
  const errors: FieldError[] = [];
  const options: { countdown?: number; eta?: Date; expires?: number | Date } = {};
  if (query.countdown !== undefined) {
    const n = Number(query.countdown);
    if (query.countdown.trim() === '' || !Number.isFinite(n) || n < 0)
      errors.push({ path: '?countdown', message: 'must be a number of seconds >= 0' });
    else options.countdown = n;
  }
  if (query.eta !== undefined) {
    const eta = isoTime(query.eta);
    if (eta === null) errors.push({ path: '?eta', message: 'must be an ISO 8601 time' });
    else options.eta = eta;
  }
  if (options.countdown !== undefined && options.eta !== undefined)
    errors.push({ path: '?eta', message: 'give countdown or eta, not both' });
  if (query.expires !== undefined) {
    const seconds = Number(query.expires);
    const at =
      Number.isFinite(seconds) && query.expires.trim() !== '' ? null : isoTime(query.expires);
    if (at !== null) options.expires = at;
    else if (Number.isFinite(seconds) && seconds > 0) options.expires = seconds;
    else
      errors.push({
        path: '?expires',
        message: 'must be seconds > 0 or an ISO 8601 time',
      });
    if (at !== null && at.getTime() <= now)
      errors.push({ path: '?expires', message: 'is already in the past' });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, options };
}

function isoTime(text: string): Date | null {
  // A date, optionally with a time and zone; Date.parse alone accepts too much ("1").
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text))
    return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : new Date(ms);
}
