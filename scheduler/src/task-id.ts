import { createHash } from 'node:crypto';

/** A fixed namespace for scheduler task ids (UUID v5 over entry name and slot). */
export const SCHEDULE_NAMESPACE = '6f1d3c2a-8b4e-5c7d-9e0f-1a2b3c4d5e6f';

/**
 * The task id of one fire time: a UUID v5 of `<entry>@<slot ISO>`. Every replica derives the
 * same id, so a duplicate publish is skipped by the worker's idempotency check.
 */
export function scheduledTaskId(entryName: string, slot: Date): string {
  const namespace = Buffer.from(SCHEDULE_NAMESPACE.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1')
    .update(namespace)
    .update(`${entryName}@${slot.toISOString()}`)
    .digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
