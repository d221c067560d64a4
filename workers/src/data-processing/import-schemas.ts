/** The import types of the catalogue, each with the fields one row must or may have. */
export const IMPORT_TYPES = ['users', 'contacts', 'products', 'transactions'] as const;
export type ImportType = (typeof IMPORT_TYPES)[number];

/** One refused field of one row, as the error report lists it. */
export interface RowError {
  /** Line of the file the row ends on (1 = the first line, the header when there is one). */
  readonly line: number;
  /** The field at fault, or '' when the row as a whole is (not an object, no fields). */
  readonly field: string;
  readonly reason: string;
}

/** A field's check: its normal form, or a thrown reason. `undefined` in = the field is absent. */
type Check = (value: unknown) => unknown;

interface FieldSpec {
  readonly required: boolean;
  readonly check: Check;
}

const required = (check: Check): FieldSpec => ({ required: true, check });
const optional = (check: Check): FieldSpec => ({ required: false, check });

const text =
  (max: number): Check =>
  (value) => {
    const s = String(value).trim();
    if (s.length > max) throw new Error(`is over ${max} characters`);
    return s;
  };

const email: Check = (value) => {
  const s = String(value).trim().toLowerCase();
  if (s.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s))
    throw new Error('is not an email address');
  return s;
};

const phone: Check = (value) => {
  const s = String(value).replace(/[\s()-]/g, '');
  if (!/^\+?[1-9]\d{6,14}$/.test(s)) throw new Error('is not a phone number');
  return s;
};

const decimal =
  (options: { min?: number; nonZero?: boolean }): Check =>
  (value) => {
    const s = String(value).trim();
    if (!/^-?\d+(\.\d+)?$/.test(s)) throw new Error('is not a decimal number');
    const n = Number(s);
    if (options.min !== undefined && n < options.min) throw new Error(`is below ${options.min}`);
    if (options.nonZero && n === 0) throw new Error('is zero');
    return n;
  };

const integer =
  (min: number): Check =>
  (value) => {
    const s = String(value).trim();
    if (!/^-?\d+$/.test(s)) throw new Error('is not an integer');
    const n = Number(s);
    if (n < min) throw new Error(`is below ${min}`);
    return n;
  };

const currency: Check = (value) => {
  const s = String(value).trim();
  if (!/^[A-Z]{3}$/.test(s)) throw new Error('is not an ISO 4217 code like USD');
  return s;
};

const timestamp: Check = (value) => {
  const ms = Date.parse(String(value));
  if (Number.isNaN(ms)) throw new Error('is not an ISO 8601 date');
  return new Date(ms).toISOString();
};

const pattern =
  (re: RegExp, what: string): Check =>
  (value) => {
    const s = String(value).trim();
    if (!re.test(s)) throw new Error(`is not ${what}`);
    return s;
  };

/** Each import type's row schema; columns not listed are ignored. */
export const IMPORT_SCHEMAS: Readonly<Record<ImportType, Readonly<Record<string, FieldSpec>>>> = {
  users: {
    email: required(email),
    name: required(text(200)),
    phone: optional(phone),
    external_id: optional(text(64)),
  },
  contacts: {
    name: required(text(200)),
    email: optional(email),
    phone: optional(phone),
    company: optional(text(200)),
  },
  products: {
    sku: required(pattern(/^[A-Za-z0-9_-]{1,64}$/, 'a SKU (letters, digits, _ or -)')),
    name: required(text(200)),
    price: required(decimal({ min: 0 })),
    currency: optional(currency),
    stock: optional(integer(0)),
  },
  transactions: {
    id: required(text(64)),
    amount: required(decimal({ nonZero: true })),
    currency: required(currency),
    occurred_at: required(timestamp),
    user_id: optional(text(64)),
  },
};

/** The schema's fields in order: the columns of a headerless CSV. */
export function fieldsOf(importType: ImportType): string[] {
  return Object.keys(IMPORT_SCHEMAS[importType]);
}

/**
 * Checks one row: its normal form (schema fields only, typed, trimmed), or every field's
 * refusal. A blank string counts as absent, as a CSV cell can say nothing else.
 */
export function validateRow(
  importType: ImportType,
  row: unknown,
  line: number,
): { ok: true; value: Record<string, unknown> } | { ok: false; errors: RowError[] } {
  if (row === null || typeof row !== 'object' || Array.isArray(row))
    return { ok: false, errors: [{ line, field: '', reason: 'is not an object' }] };
  const record = row as Record<string, unknown>;
  const value: Record<string, unknown> = {};
  const errors: RowError[] = [];
  for (const [field, spec] of Object.entries(IMPORT_SCHEMAS[importType])) {
    const raw = record[field];
    if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) {
      if (spec.required) errors.push({ line, field, reason: 'is required' });
      continue;
    }
    try {
      value[field] = spec.check(raw);
    } catch (err) {
      errors.push({ line, field, reason: (err as Error).message });
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value };
}
