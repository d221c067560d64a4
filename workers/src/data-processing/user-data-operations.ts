import { USER_DATA_TYPES } from '@burrow/contracts';
import { PermanentError } from '@burrow/shared';

export type UserDataType = (typeof USER_DATA_TYPES)[number];

/** What an operation sends the backend beside `user_id` and `data_type`. */
export type Outcome = Record<string, unknown>;

type Data = Readonly<Record<string, unknown>>;

/** Profile fields a profile_update may change, each with its check and normal form. */
const PROFILE_FIELDS: Readonly<Record<string, (value: unknown) => unknown>> = {
  name: (v) => text(v, 200),
  first_name: (v) => text(v, 100),
  last_name: (v) => text(v, 100),
  email: (v) => {
    const email = text(v, 254).toLowerCase();
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new Error('is not an email address');
    return email;
  },
  phone: (v) => {
    const phone = text(v, 20).replace(/[\s()-]/g, '');
    if (!/^\+?[1-9]\d{6,14}$/.test(phone)) throw new Error('is not a phone number');
    return phone;
  },
  bio: (v) => text(v, 2000, { allowEmpty: true }),
  avatar_url: (v) => {
    const url = text(v, 2048);
    if (!/^https?:\/\/\S+$/.test(url)) throw new Error('is not an http(s) URL');
    return url;
  },
  language: (v) => text(v, 16),
  timezone: (v) => text(v, 64),
};

/**
 * Each data_type's check of `data` and the outcome it posts. A check throws a plain Error
 * naming what is wrong; `runOperation` turns it into a permanent error (retrying cannot fix
 * the caller's data).
 */
const OPERATIONS: Readonly<Record<UserDataType, (data: Data, now: Date) => Outcome>> = {
  profile_update: (data) => {
    const unknown = Object.keys(data).filter((key) => !(key in PROFILE_FIELDS));
    if (unknown.length > 0)
      throw new Error(
        `unknown profile field(s) ${unknown.join(', ')}; accepted: ${Object.keys(PROFILE_FIELDS).join(', ')}`,
      );
    if (Object.keys(data).length === 0) throw new Error('data names no profile field to change');
    const changes = Object.fromEntries(
      Object.entries(data).map(([key, value]) => [key, field(key, value)]),
    );
    return { changes };
  },
  preferences: (data) => {
    if (Object.keys(data).length === 0) throw new Error('data names no preference');
    for (const [key, value] of Object.entries(data)) {
      if (key.length > 64)
        throw new Error(`preference name ${key.slice(0, 20)}… is over 64 characters`);
      const scalar = value === null || ['string', 'number', 'boolean'].includes(typeof value);
      if (!scalar) throw new Error(`preference ${key} must be a string, number, boolean or null`);
    }
    return { preferences: data };
  },
  activity: (data, now) => {
    const events = Array.isArray(data.events) ? (data.events as unknown[]) : [data];
    if (events.length === 0 || events.length > 1000)
      throw new Error('activity takes 1 to 1000 events');
    return { events: events.map((event, i) => activityEvent(event, i, now)) };
  },
  account_deletion: (data, now) => ({
    requested_at: now.toISOString(),
    reason: data.reason === undefined ? null : text(data.reason, 1000, { allowEmpty: true }),
  }),
  export_data: (data) => {
    const format = data.format ?? 'json';
    if (format !== 'json' && format !== 'csv') throw new Error('format must be json or csv');
    return { format };
  },
  update_statistics: (data) => ({ options: data }),
  generate_recommendations: (data) => {
    const limit = data.limit ?? 10;
    if (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > 100)
      throw new Error('limit must be an integer from 1 to 100');
    return { limit };
  },
  cleanup_activity: (data) => {
    const days = data.older_than_days ?? 90;
    if (!Number.isInteger(days) || (days as number) < 1)
      throw new Error('older_than_days must be a positive integer');
    return { older_than_days: days };
  },
};

export function isUserDataType(value: string): value is UserDataType {
  return (USER_DATA_TYPES as readonly string[]).includes(value);
}

/**
 * Checks `data` for `dataType` and returns what to post. An unknown data type or bad data is
 * a permanent error: the first names the accepted types, the second what is wrong.
 */
export function runOperation(dataType: string, data: Data, now: Date): Outcome {
  if (!isUserDataType(dataType))
    throw new PermanentError(
      `unknown data_type "${dataType}"; accepted: ${USER_DATA_TYPES.join(', ')}`,
      'unknown_data_type',
      { excType: 'ValueError' },
    );
  try {
    return OPERATIONS[dataType](data, now);
  } catch (err) {
    throw new PermanentError(`${dataType}: ${(err as Error).message}`, 'invalid_data', {
      excType: 'ValueError',
    });
  }
}

function field(key: string, value: unknown): unknown {
  try {
    return PROFILE_FIELDS[key]?.(value);
  } catch (err) {
    throw new Error(`${key} ${(err as Error).message}`);
  }
}

function activityEvent(event: unknown, index: number, now: Date): Outcome {
  if (event === null || typeof event !== 'object' || Array.isArray(event))
    throw new Error(`event ${index} is not an object`);
  const { action, occurred_at, metadata } = event as Data;
  if (typeof action !== 'string' || action.trim() === '' || action.length > 100)
    throw new Error(`event ${index}: action must be a non-empty string of at most 100 characters`);
  let at = now.toISOString();
  if (occurred_at !== undefined) {
    const parsed = typeof occurred_at === 'string' ? Date.parse(occurred_at) : NaN;
    if (Number.isNaN(parsed))
      throw new Error(`event ${index}: occurred_at is not an ISO 8601 date`);
    at = new Date(parsed).toISOString();
  }
  if (metadata !== undefined && (metadata === null || typeof metadata !== 'object'))
    throw new Error(`event ${index}: metadata must be an object`);
  return { action: action.trim(), occurred_at: at, metadata: metadata ?? {} };
}

function text(value: unknown, max: number, options: { allowEmpty?: boolean } = {}): string {
  if (typeof value !== 'string') throw new Error('must be a string');
  const trimmed = value.trim();
  if (trimmed === '' && !options.allowEmpty) throw new Error('must not be empty');
  if (trimmed.length > max) throw new Error(`is over ${max} characters`);
  return trimmed;
}
