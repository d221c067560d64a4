/** Retry settings a publisher may override per call; snake_case as on the wire. */
export interface RetryOverride {
  readonly max_retries?: number;
  readonly backoff?: number;
  readonly backoff_max?: number;
  readonly jitter?: boolean;
}

/** Celery's `embed` part of a protocol v2 body: workflow links carried with the task. */
export interface TaskEmbed {
  readonly callbacks: unknown[] | null;
  readonly errbacks: unknown[] | null;
  readonly chain: unknown[] | null;
  readonly chord: unknown;
}

/**
 * A task message after decoding, independent of how it arrived (Celery v2 array body, plain
 * kwargs object, or legacy protocol v1). Times are ISO 8601 strings in UTC, or null.
 */
export interface TaskMessage {
  readonly id: string;
  readonly task: string;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly retries: number;
  readonly eta: string | null;
  readonly expires: string | null;
  /** Celery order: [hard, soft] seconds; null = task default. */
  readonly timelimit: readonly [number | null, number | null];
  readonly rootId: string;
  readonly parentId: string | null;
  readonly group: string | null;
  /**
   * Position in its group (header `group_index`): a chord orders its header's results by it,
   * so retry copies must carry it. Null outside a group.
   */
  readonly groupIndex: number | null;
  readonly origin: string | null;
  readonly ignoreResult: boolean;
  /**
   * Per-call override of the task's retry policy (burrow header `retry_policy`, e.g.
   * `{"max_retries": 0}`); null = the catalogue's policy. Carried on retry copies.
   */
  readonly retryPolicy: RetryOverride | null;
  readonly embed: TaskEmbed | null;
  /**
   * Times this task has already been continued later (burrow header `x-burrow-continuations`):
   * a long task that paused and was re-queued to resume, which spends no retry. 0 at first.
   */
  readonly continuations: number;
  /**
   * True when this delivery is a dead letter an operator sent back (`burrow dead replay`, the
   * dashboard): the replay's header `x-burrow-replayed-at`. Retry copies do not carry it.
   */
  readonly replayed: boolean;
}

/** The header that counts a task's continuations; absent (0) on messages from Celery clients. */
export const CONTINUATIONS_HEADER = 'x-burrow-continuations';

/** The header a dead-letter replay sets (an ISO time); absent on every other message. */
export const REPLAYED_AT_HEADER = 'x-burrow-replayed-at';

/** Why a message could not be decoded; `taskId`/`task` are set when they could be read. */
export type EnvelopeErrorCode =
  | 'unsupported_content_type'
  | 'unsupported_encoding'
  | 'invalid_utf8'
  | 'too_deep'
  | 'not_json'
  | 'bad_body'
  | 'missing_task_name'
  | 'missing_task_id'
  | 'bad_header';

export interface EnvelopeError {
  readonly code: EnvelopeErrorCode;
  readonly reason: string;
  readonly taskId: string | null;
  readonly task: string | null;
}

export type DecodeResult =
  | { readonly ok: true; readonly message: TaskMessage }
  | { readonly ok: false; readonly error: EnvelopeError };

/** The parts of an AMQP message the codec reads; structurally compatible with amqplib's. */
export interface RawTaskMessage {
  readonly content: Buffer;
  readonly properties: {
    readonly contentType?: string | undefined;
    readonly contentEncoding?: string | undefined;
    readonly correlationId?: string | undefined;
    readonly headers?: Record<string, unknown> | undefined;
  };
}

/** What the codec produces for publishing; the publisher adds persistence and routing. */
export interface EncodedTaskMessage {
  readonly content: Buffer;
  readonly contentType: 'application/json';
  readonly contentEncoding: 'utf-8';
  readonly correlationId: string;
  readonly headers: Record<string, unknown>;
}
