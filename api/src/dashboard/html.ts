/** Escapes text for HTML content and attribute values. Pure. */
export const escapeHtml = (text: unknown): string =>
  String(text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** "3 s ago", "2 min ago", "1 h ago" from a time in ms. Pure. */
export function ago(at: number | null, now: number): string {
  if (at === null) return '—';
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}

/** A time as ISO 8601 inside `<time>`, so people read it and machines parse it. Pure. */
export function timeTag(at: number | null): string {
  if (at === null || !Number.isFinite(at)) return '—';
  const iso = new Date(at).toISOString();
  return `<time datetime="${iso}">${iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time>`;
}

/** Bytes as MiB with one decimal. Pure. */
export function mebibytes(bytes: number | null): string {
  return bytes === null ? '—' : `${(bytes / 1_048_576).toFixed(1)} MiB`;
}

/** A rate per second, to one decimal. Pure. */
export const perSecond = (rate: number): string => (rate === 0 ? '0' : rate.toFixed(1));

/** Text shortened to `max` characters with an ellipsis. Pure. */
export const clip = (text: string | null, max = 80): string =>
  text === null ? '' : text.length > max ? `${text.slice(0, max - 1)}…` : text;
