import { PermanentError } from '@burrow/shared';
import type { BackendClient } from '../providers/backend-client';

/** Where the next page is: a page number, or the cursor the backend handed out. */
export interface PagePosition {
  readonly page: number;
  readonly cursor: string | null;
}

export interface Page {
  readonly rows: Record<string, unknown>[];
  /** Null after the last page. */
  readonly next: PagePosition | null;
}

/**
 * Fetches one page of report rows: `GET <path>?<params>&page_size=N&page=P` (or `&cursor=C`
 * once the backend hands out cursors). The answer is `{rows: [...]}` (or DRF's `results`), and
 * says where to go on with `next_cursor` (cursor paging: null ends), or `has_more`, or by a
 * short page (page-number paging).
 */
export async function fetchPage(
  backend: BackendClient,
  path: string,
  params: Readonly<Record<string, unknown>>,
  position: PagePosition,
  pageSize: number,
  signal: AbortSignal,
): Promise<Page> {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined) continue;
    query.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  query.set('page_size', String(pageSize));
  if (position.cursor !== null) query.set('cursor', position.cursor);
  else query.set('page', String(position.page));
  const separator = path.includes('?') ? '&' : '?';
  const { body } = await backend.call('GET', `${path}${separator}${query.toString()}`, undefined, {
    signal,
  });
  const answer = (body ?? {}) as Record<string, unknown>;
  const rows = answer.rows ?? answer.results;
  if (
    !Array.isArray(rows) ||
    rows.some((r) => r === null || typeof r !== 'object' || Array.isArray(r))
  )
    throw new PermanentError(
      `backend GET ${path} did not answer {rows: [objects]}`,
      'bad_report_page',
      { excType: 'ValueError' },
    );
  return {
    rows: rows as Record<string, unknown>[],
    next: nextPosition(answer, position, rows.length, pageSize),
  };
}

function nextPosition(
  answer: Record<string, unknown>,
  at: PagePosition,
  rows: number,
  pageSize: number,
): PagePosition | null {
  const page = at.page + 1;
  if ('next_cursor' in answer) {
    const cursor = answer.next_cursor;
    return typeof cursor === 'string' && cursor !== '' ? { page, cursor } : null;
  }
  if (answer.has_more === false || rows === 0) return null;
  if (answer.has_more !== true && (answer.next === null || rows < pageSize)) return null;
  return { page, cursor: null };
}
