import { PermanentError } from '@burrow/shared';
import type { MailAddress } from './smtp-mailer';

/*
 * The catalogue's schema already checked every address loosely (`x@y.z`). These checks are
 * stricter and run before any connection: a comma, quote or angle bracket inside an
 * "address" would otherwise be read by the mail library as several recipients or a display
 * name, i.e. mail going somewhere the caller did not write.
 */
const LOCAL = "[\\p{L}\\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\\.[\\p{L}\\p{N}!#$%&'*+/=?^_`{|}~-]+)*";
const LABEL = '[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]{0,61}[\\p{L}\\p{N}])?';
const ADDRESS = new RegExp(`^${LOCAL}@${LABEL}(?:\\.${LABEL})+$`, 'u');
/** Also `burrow@localhost`: the configured sender may use a single-label domain. */
const LOCAL_ADDRESS = new RegExp(`^${LOCAL}@${LABEL}(?:\\.${LABEL})*$`, 'u');
const MAILBOX = /^\s*(.*?)\s*<([^<>]+)>\s*$/s;

/** True for an address burrow will hand to SMTP. */
export function isDeliverableAddress(address: string): boolean {
  return address.length <= 254 && ADDRESS.test(address);
}

/** `j***@example.com`: enough to recognise an address in an error, not to harvest it. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return '***';
  return `${address[0]}***${address.slice(at)}`;
}

/** One address or a list of them, as the catalogue accepts both, as a checked list. */
export function addressList(
  value: string | readonly string[] | undefined,
  field: string,
): string[] {
  if (value === undefined) return [];
  const list = typeof value === 'string' ? [value] : [...value];
  const bad = list.filter((address) => !isDeliverableAddress(address));
  if (bad.length > 0)
    throw invalid(`${field}: not a deliverable address: ${bad.map(maskAddress).join(', ')}`);
  return list;
}

/**
 * A sender as Django writes it: `user@example.com` or `Name <user@example.com>`. The
 * configured sender (`trusted`) may have a single-label domain such as `localhost`.
 */
export function parseMailbox(value: string, field: string, trusted = false): MailAddress {
  const match = MAILBOX.exec(value);
  const name = match ? unquote(match[1] ?? '') : '';
  const address = (match ? match[2] : value)?.trim() ?? '';
  const valid = trusted
    ? address.length <= 254 && LOCAL_ADDRESS.test(address)
    : isDeliverableAddress(address);
  if (!valid) throw invalid(`${field}: not a deliverable address: ${maskAddress(address)}`);
  if (/[\r\n]/.test(name)) throw invalid(`${field}: the display name may not span lines`);
  return name ? { name, address } : { address };
}

/** Addresses deduplicated case-insensitively, first spelling kept, order kept. */
export function uniqueAddresses(...lists: readonly (readonly string[])[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const address of lists.flat()) {
    const key = address.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(address);
  }
  return out;
}

function unquote(name: string): string {
  return name.length >= 2 && name.startsWith('"') && name.endsWith('"')
    ? name.slice(1, -1).replace(/\\(.)/g, '$1')
    : name;
}

function invalid(message: string): PermanentError {
  return new PermanentError(message, 'invalid_address');
}

/**
 * `<task-id@domain>`, or `<task-id.index@domain>` for recipient `index` of a bulk task. A task
 * id may be any string a publisher chose: bytes a Message-ID cannot hold (and `.` and `=`) are
 * written `=XX` per UTF-8 byte, so distinct ids stay distinct.
 */
export function messageIdFor(taskId: string, domain: string, index?: number): string {
  const local = taskId.replace(/[^A-Za-z0-9!#$%&'*+/?^_`{|}~-]/gu, (c) =>
    [...Buffer.from(c, 'utf8')]
      .map((b) => `=${b.toString(16).toUpperCase().padStart(2, '0')}`)
      .join(''),
  );
  return `<${local}${index === undefined ? '' : `.${index}`}@${domain}>`;
}
