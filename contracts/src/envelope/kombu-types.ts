/**
 * Kombu's JSON encoder wraps values JSON cannot carry as `{"__type__": t, "__value__": v}`
 * (datetime, date, time, decimal, uuid, bytes). Handlers see plain JSON: dates and times as ISO
 * strings, decimals as strings (never floats, which would lose cents), UUIDs in their canonical
 * dashed form, bytes as base64.
 */
export function unwrapKombuTypes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapKombuTypes);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 2 && '__type__' in record && '__value__' in record) {
    return unwrapOne(String(record.__type__), record.__value__);
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) out[key] = unwrapKombuTypes(record[key]);
  return out;
}

function unwrapOne(type: string, raw: unknown): unknown {
  switch (type) {
    case 'datetime':
    case 'date':
    case 'time':
    case 'decimal':
    case 'base64':
      return String(raw);
    case 'bytes':
      return Buffer.from(String(raw), 'utf8').toString('base64');
    case 'uuid': {
      const hex =
        raw !== null && typeof raw === 'object'
          ? String((raw as { hex?: unknown }).hex)
          : String(raw);
      return dashedUuid(hex);
    }
    default:
      return raw;
  }
}

function dashedUuid(hex: string): string {
  const plain = hex.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(plain)) return hex;
  return `${plain.slice(0, 8)}-${plain.slice(8, 12)}-${plain.slice(12, 16)}-${plain.slice(16, 20)}-${plain.slice(20)}`;
}
