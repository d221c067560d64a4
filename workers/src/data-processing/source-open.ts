import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { request } from 'undici';
import type { SourceSpec } from './import-source';

/**
 * Why a source could not be read, with the code and retry flag burrow's errors carry. Thrown in
 * the reading thread, which loads no more than it needs (not @burrow/shared); the main thread
 * turns it back into a PermanentError or RetryableError.
 */
export class SourceError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'SourceError';
  }
}

/**
 * Opens a checked source. A file is opened with O_NOFOLLOW, so a symlink swapped in after the
 * check is refused; a URL is read with redirects refused (undici does not follow them), as a
 * redirect could leave the allow-list.
 */
export async function openSource(spec: SourceSpec, signal: AbortSignal): Promise<Readable> {
  if (spec.kind === 'file') {
    const handle = await open(spec.path, constants.O_RDONLY | constants.O_NOFOLLOW);
    return handle.createReadStream({ highWaterMark: 256 * 1024 });
  }
  const { href } = spec;
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(href, { method: 'GET', signal });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new SourceError(
      `import url ${href} unreachable: ${(err as Error).message}`,
      'unreachable',
      true,
    );
  }
  const status = response.statusCode;
  if (status >= 200 && status < 300) return response.body;
  await response.body.dump();
  const summary = `import url ${href} answered ${status}`;
  if (status === 429 || status >= 500) throw new SourceError(summary, `http_${status}`, true);
  throw new SourceError(
    summary,
    status >= 300 && status < 400 ? 'redirect_refused' : `http_${status}`,
    false,
  );
}
