import { MAX_BODY_DEPTH, nestsDeeperThan } from './json-depth';
import { unwrapKombuTypes } from './kombu-types';
import {
  CONTINUATIONS_HEADER,
  REPLAYED_AT_HEADER,
  type DecodeResult,
  type EnvelopeError,
  type EnvelopeErrorCode,
  type RawTaskMessage,
  type RetryOverride,
  type TaskEmbed,
  type TaskMessage,
} from './task-message';

const JSON_TYPES = new Set(['application/json', 'application/x-json', 'text/json']);
const UTF8 = new Set(['utf-8', 'utf8']);
/** Refuses malformed bytes instead of replacing them with U+FFFD, which would run a task on
 * arguments its sender never wrote. Holds no state between calls, so one instance serves all. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes any supported task message: Celery protocol v2 (task name in headers, body
 * `[args, kwargs, embed]`), the shortcut for hand-written publishers (headers plus a body that
 * is the kwargs object), and Celery protocol v1 (everything in the body). Never throws: a bad
 * message yields an error value that names the problem, so the engine can dead-letter it.
 */
export function decodeTaskMessage(raw: RawTaskMessage): DecodeResult {
  const headers = raw.properties.headers ?? {};
  const headerId = stringOrNull(headers.id) ?? nonEmpty(raw.properties.correlationId);
  const headerTask = stringOrNull(headers.task);
  const fail = (code: EnvelopeErrorCode, reason: string, id = headerId, task = headerTask) => ({
    ok: false as const,
    error: { code, reason, taskId: id, task } satisfies EnvelopeError,
  });

  const contentType = raw.properties.contentType;
  if (contentType !== undefined && contentType !== '' && !JSON_TYPES.has(contentType)) {
    return fail(
      'unsupported_content_type',
      `content type ${contentType} is not supported; publish application/json`,
    );
  }
  const encoding = raw.properties.contentEncoding;
  if (encoding !== undefined && encoding !== '' && !UTF8.has(encoding.toLowerCase())) {
    return fail(
      'unsupported_encoding',
      `content encoding ${encoding} is not supported; publish utf-8`,
    );
  }
  if (headers.compression !== undefined && headers.compression !== null) {
    return fail(
      'unsupported_encoding',
      `compressed bodies (${preview(headers.compression)}) are not supported`,
    );
  }

  let text: string;
  try {
    text = STRICT_UTF8.decode(raw.content);
  } catch {
    return fail('invalid_utf8', 'body is not valid UTF-8; publish UTF-8 encoded JSON');
  }
  if (nestsDeeperThan(text, MAX_BODY_DEPTH)) {
    return fail(
      'too_deep',
      `body nests arrays or objects deeper than ${MAX_BODY_DEPTH} levels; refused before parsing`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    return fail('not_json', `body is not valid JSON: ${(err as Error).message}`);
  }
  // The kombu envelope walk costs a full copy; most messages carry none.
  if (text.includes('"__type__"')) body = unwrapKombuTypes(body);

  if (headerTask === null && isRecord(body) && typeof body.task === 'string' && 'id' in body) {
    return decodeProtocolV1(body, fail);
  }
  if (headerTask === null) return fail('missing_task_name', 'no task name: set the "task" header');
  if (headerId === null) return fail('missing_task_id', 'no task id: set the "id" header');

  let args: unknown[];
  let kwargs: Record<string, unknown>;
  let embed: TaskEmbed | null = null;
  if (Array.isArray(body)) {
    const [bodyArgs = [], bodyKwargs = {}, bodyEmbed = null] = body as unknown[];
    if (!Array.isArray(bodyArgs) || !isRecord(bodyKwargs)) {
      return fail(
        'bad_body',
        'body must be [args (array), kwargs (object), embed (object or null)]',
      );
    }
    if (bodyEmbed !== null && !isRecord(bodyEmbed)) {
      return fail('bad_body', 'embed (third element of the body) must be an object or null');
    }
    args = bodyArgs;
    kwargs = bodyKwargs;
    embed = bodyEmbed === null ? null : readEmbed(bodyEmbed);
  } else if (isRecord(body)) {
    args = [];
    kwargs = body;
  } else {
    return fail('bad_body', 'body must be a JSON array [args, kwargs, embed] or a kwargs object');
  }

  const common = readCommonFields(headers, headerId);
  if (!common.ok) return fail('bad_header', common.reason);
  const continuations = readCount(headers[CONTINUATIONS_HEADER], CONTINUATIONS_HEADER);
  if (!continuations.ok) return fail('bad_header', continuations.reason);
  return {
    ok: true,
    message: {
      id: headerId,
      task: headerTask,
      args,
      kwargs,
      embed,
      ...common.fields,
      group: stringOrNull(headers.group),
      groupIndex: indexOrNull(headers.group_index),
      origin: stringOrNull(headers.origin),
      ignoreResult: headers.ignore_result === true,
      retryPolicy: readRetryOverride(headers.retry_policy),
      continuations: continuations.value,
      replayed: typeof headers[REPLAYED_AT_HEADER] === 'string',
    },
  };
}

type Fail = (
  code: EnvelopeErrorCode,
  reason: string,
  id?: string | null,
  task?: string | null,
) => DecodeResult;

function decodeProtocolV1(body: Record<string, unknown>, fail: Fail): DecodeResult {
  const id = stringOrNull(body.id);
  const task = stringOrNull(body.task);
  if (id === null) return fail('missing_task_id', 'protocol v1 body has no "id"', null, task);
  const args = body.args ?? [];
  const kwargs = body.kwargs ?? {};
  if (!Array.isArray(args) || !isRecord(kwargs)) {
    return fail('bad_body', 'protocol v1 "args" must be an array and "kwargs" an object', id, task);
  }
  const common = readCommonFields(body, id);
  if (!common.ok) return fail('bad_header', common.reason, id, task);
  return {
    ok: true,
    message: {
      id,
      task: task ?? '',
      args,
      kwargs,
      ...common.fields,
      group: stringOrNull(body.taskset),
      groupIndex: null,
      origin: null,
      ignoreResult: false,
      retryPolicy: null,
      embed: null,
      continuations: 0,
      replayed: false,
    },
  };
}

type CommonFields = Pick<
  TaskMessage,
  'retries' | 'eta' | 'expires' | 'timelimit' | 'rootId' | 'parentId'
>;

function readCommonFields(
  source: Record<string, unknown>,
  id: string,
): { ok: true; fields: CommonFields } | { ok: false; reason: string } {
  const retries = readCount(source.retries, 'retries');
  if (!retries.ok) return retries;
  const eta = readTime(source.eta, 'eta');
  if (!eta.ok) return eta;
  const expires = readTime(source.expires, 'expires');
  if (!expires.ok) return expires;
  const timelimit = readTimelimit(source.timelimit);
  if (!timelimit.ok) return timelimit;
  return {
    ok: true,
    fields: {
      retries: retries.value,
      eta: eta.value,
      expires: expires.value,
      timelimit: timelimit.value,
      rootId: stringOrNull(source.root_id) ?? id,
      parentId: stringOrNull(source.parent_id),
    },
  };
}

/** A non-negative integer header such as `retries`; absent or null means 0. */
function readCount(
  value: unknown,
  name: string,
): { ok: true; value: number } | { ok: false; reason: string } {
  const count = value ?? 0;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
    return { ok: false, reason: `"${name}" must be a non-negative integer, got ${preview(count)}` };
  }
  return { ok: true, value: count };
}

/** Parses an ISO 8601 time; a time without an offset is UTC (Celery protocol v2). */
export function parseCeleryTime(value: string): Date | null {
  const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(value);
  const isDateTime = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(value);
  if (!isDateTime) return null;
  const millis = Date.parse(hasZone ? value : `${value}Z`);
  return Number.isNaN(millis) ? null : new Date(millis);
}

function readTime(
  value: unknown,
  name: string,
): { ok: true; value: string | null } | { ok: false; reason: string } {
  if (value === undefined || value === null) return { ok: true, value: null };
  const date = typeof value === 'string' ? parseCeleryTime(value) : null;
  if (date === null) {
    return {
      ok: false,
      reason: `"${name}" must be an ISO 8601 time or null, got ${preview(value)}`,
    };
  }
  return { ok: true, value: date.toISOString() };
}

function readTimelimit(
  value: unknown,
): { ok: true; value: readonly [number | null, number | null] } | { ok: false; reason: string } {
  if (value === undefined || value === null) return { ok: true, value: [null, null] };
  const valid = (v: unknown) => v === null || v === undefined || (typeof v === 'number' && v > 0);
  if (!Array.isArray(value) || value.length > 2 || !value.every(valid)) {
    return {
      ok: false,
      reason: `"timelimit" must be [hard, soft] seconds or nulls, got ${preview(value)}`,
    };
  }
  const [hard = null, soft = null] = value as (number | null)[];
  return { ok: true, value: [hard, soft] };
}

/** Keeps only well-formed fields of a `retry_policy` header; anything else means "no override". */
function readRetryOverride(value: unknown): RetryOverride | null {
  if (!isRecord(value)) return null;
  const count = (v: unknown) =>
    typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
  const seconds = (v: unknown) => (typeof v === 'number' && v >= 0 ? v : undefined);
  const override: { -readonly [K in keyof RetryOverride]: RetryOverride[K] } = {};
  const maxRetries = count(value.max_retries);
  if (maxRetries !== undefined) override.max_retries = maxRetries;
  const backoff = seconds(value.backoff);
  if (backoff !== undefined) override.backoff = backoff;
  const backoffMax = seconds(value.backoff_max);
  if (backoffMax !== undefined) override.backoff_max = backoffMax;
  if (typeof value.jitter === 'boolean') override.jitter = value.jitter;
  return Object.keys(override).length > 0 ? override : null;
}

function readEmbed(embed: Record<string, unknown>): TaskEmbed {
  const list = (v: unknown) => (Array.isArray(v) ? v : null);
  return {
    callbacks: list(embed.callbacks),
    errbacks: list(embed.errbacks),
    chain: list(embed.chain),
    chord: embed.chord ?? null,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function indexOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null;
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}

/**
 * A header value, short, for a refusal reason. Headers are not depth-checked like the body, and
 * JSON.stringify throws on a deeply nested or BigInt value; the decoder must not.
 */
function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = `(an unprintable ${typeof value})`;
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
