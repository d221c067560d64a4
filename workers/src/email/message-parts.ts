import { constants as fsConstants, promises as fs } from 'node:fs';
import path from 'node:path';
import { PermanentError } from '@burrow/shared';
import type { MailAttachment } from './smtp-mailer';

/** What a caller sends: bytes as base64, or a path inside the attachments directory. */
export type AttachmentInput =
  | { filename: string; content_base64: string; content_type?: string | undefined }
  | { filename: string; path: string; content_type?: string | undefined };

/** Attachments of one message, decoded, in bytes; most SMTP servers refuse more. */
export const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;

/** Headers the task's own parameters or the transport set; a caller may not override them. */
const RESERVED_HEADERS = new Set([
  'bcc',
  'cc',
  'content-disposition',
  'content-transfer-encoding',
  'content-type',
  'date',
  'dkim-signature',
  'from',
  'message-id',
  'mime-version',
  'received',
  'reply-to',
  'return-path',
  'sender',
  'subject',
  'to',
]);
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,76}$/;

/** Checks extra headers: a valid name, not one burrow sets, a value on one line. */
export function checkHeaders(
  headers: Readonly<Record<string, string>> | undefined,
): Record<string, string> | undefined {
  if (!headers || Object.keys(headers).length === 0) return undefined;
  let bytes = 0;
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) throw invalid(`header name ${JSON.stringify(name)} is not valid`);
    if (RESERVED_HEADERS.has(name.toLowerCase()))
      throw invalid(`header ${name} is set by burrow from the task's parameters`);
    if (/[\r\n\0]/.test(value)) throw invalid(`header ${name} may not contain line breaks`);
    bytes += name.length + value.length;
  }
  if (bytes > 16 * 1024) throw invalid('extra headers exceed 16 KB');
  return { ...headers };
}

/**
 * Loads attachments into memory. Content comes from base64; a path must resolve, symlinks
 * followed, to a regular file inside `allowedDir` (none allowed when it is empty). The file
 * is read from its resolved path without following a last symlink, so what was checked is
 * what is sent.
 */
export async function loadAttachments(
  inputs: readonly AttachmentInput[] | undefined,
  allowedDir: string,
): Promise<MailAttachment[]> {
  if (!inputs || inputs.length === 0) return [];
  const out: MailAttachment[] = [];
  let total = 0;
  for (const input of inputs) {
    const content =
      'content_base64' in input
        ? Buffer.from(input.content_base64, 'base64')
        : await readAllowedFile(input.path, allowedDir);
    total += content.length;
    if (total > MAX_ATTACHMENT_BYTES)
      throw invalid(`attachments exceed ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB`, 'too_large');
    out.push({
      filename: input.filename,
      content,
      ...(input.content_type ? { contentType: input.content_type } : {}),
    });
  }
  return out;
}

async function readAllowedFile(requested: string, allowedDir: string): Promise<Buffer> {
  if (!allowedDir)
    throw invalid(
      'attachments by path are disabled (EMAIL_ATTACHMENTS_DIR is not set)',
      'attachment_forbidden',
    );
  const root = await fs.realpath(allowedDir).catch(() => {
    throw invalid('the attachments directory does not exist', 'attachment_forbidden');
  });
  const real = await fs.realpath(path.resolve(root, requested)).catch(() => {
    throw invalid(`attachment ${path.basename(requested)} not found`, 'attachment_not_found');
  });
  if (!isInside(real, root))
    throw invalid(
      `attachment path ${JSON.stringify(requested)} is outside the attachments directory`,
      'attachment_forbidden',
    );
  const handle = await fs.open(real, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW).catch(() => {
    throw invalid(`attachment ${path.basename(requested)} cannot be read`, 'attachment_not_found');
  });
  try {
    const stat = await handle.stat();
    if (!stat.isFile())
      throw invalid(`attachment ${path.basename(requested)} is not a file`, 'attachment_forbidden');
    if (stat.size > MAX_ATTACHMENT_BYTES)
      throw invalid(`attachment ${path.basename(requested)} is too large`, 'too_large');
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

function isInside(candidate: string, root: string): boolean {
  const relative = path.relative(root, candidate);
  return (
    relative !== '' &&
    relative !== '..' &&
    !relative.startsWith(`..${path.sep}`) &&
    !path.isAbsolute(relative)
  );
}

function invalid(message: string, code = 'invalid_message'): PermanentError {
  return new PermanentError(message, code);
}
