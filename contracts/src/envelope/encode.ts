import { CONTINUATIONS_HEADER, type EncodedTaskMessage, type TaskMessage } from './task-message';

/** Fields a caller sets to build a message; the rest take Celery's defaults. */
export type TaskMessageInput = Pick<TaskMessage, 'id' | 'task'> &
  Partial<Omit<TaskMessage, 'id' | 'task'>>;

/**
 * Encodes a task as a Celery protocol v2 JSON message, exactly as a Celery 5 client would, so
 * a Python worker could run it too. Null headers stay null (AMQP void), never "undefined".
 */
export function encodeTaskMessage(input: TaskMessageInput): EncodedTaskMessage {
  const args = input.args ?? [];
  const kwargs = input.kwargs ?? {};
  const embed = input.embed ?? { callbacks: null, errbacks: null, chain: null, chord: null };
  const headers: Record<string, unknown> = {
    lang: 'js',
    task: input.task,
    id: input.id,
    shadow: null,
    eta: input.eta ?? null,
    expires: input.expires ?? null,
    group: input.group ?? null,
    group_index: input.groupIndex ?? null,
    retries: input.retries ?? 0,
    timelimit: [input.timelimit?.[0] ?? null, input.timelimit?.[1] ?? null],
    root_id: input.rootId ?? input.id,
    parent_id: input.parentId ?? null,
    argsrepr: reprFor(args),
    kwargsrepr: reprFor(kwargs),
    origin: input.origin ?? null,
    ignore_result: input.ignoreResult ?? false,
  };
  if (input.retryPolicy) headers.retry_policy = { ...input.retryPolicy };
  // Only burrow's own continuations carry it, so a first message stays byte-for-byte Celery's.
  if (input.continuations) headers[CONTINUATIONS_HEADER] = input.continuations;
  return {
    content: Buffer.from(JSON.stringify([args, kwargs, embed]), 'utf8'),
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    correlationId: input.id,
    headers,
  };
}

/** Celery caps argsrepr/kwargsrepr at 1024 characters; they are only for display. */
function reprFor(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 1024 ? `${text.slice(0, 1021)}...` : text;
}
