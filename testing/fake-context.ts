import { randomUUID } from 'node:crypto';
import type { LogFields, Logger, TaskContext } from '@burrow/shared';

export interface LogLine {
  readonly level: 'error' | 'warn' | 'info' | 'debug';
  readonly message: string;
  /** The line's own fields merged over its logger's scope. */
  readonly fields: LogFields;
}

/** A Logger that keeps every line, children included, for a test to read. */
export class RecordingLogger implements Logger {
  constructor(
    readonly lines: LogLine[] = [],
    private readonly scope: LogFields = {},
  ) {}

  error(message: string, fields?: LogFields): void {
    this.record('error', message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.record('warn', message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.record('info', message, fields);
  }
  debug(message: string, fields?: LogFields): void {
    this.record('debug', message, fields);
  }
  child(fields: LogFields): Logger {
    return new RecordingLogger(this.lines, { ...this.scope, ...fields });
  }

  private record(level: LogLine['level'], message: string, fields: LogFields = {}): void {
    this.lines.push({ level, message, fields: { ...this.scope, ...fields } });
  }
}

export interface FakeContext<S> extends TaskContext<S> {
  readonly logger: RecordingLogger;
  /** Every reportProgress call, in order. */
  readonly progress: Record<string, unknown>[];
  /** Every log line of the handler. */
  readonly lines: LogLine[];
}

export interface FakeContextOptions<S> {
  /** The family's services the handler reaches through `ctx.services`. */
  readonly services: S;
  /** @default a fresh UUID */
  readonly taskId?: string;
  /** @default 'test.task' */
  readonly taskName?: string;
  /** @default 'test' */
  readonly queue?: string;
  /** @default 0 */
  readonly retries?: number;
  /** @default 3 */
  readonly maxRetries?: number;
  readonly replayed?: boolean;
  /** @default a signal that never aborts */
  readonly signal?: AbortSignal;
}

/** A TaskContext as the engine builds one, for handler tests of any family. */
export function fakeContext<S>(options: FakeContextOptions<S>): FakeContext<S> {
  const logger = new RecordingLogger();
  const progress: Record<string, unknown>[] = [];
  return {
    taskId: options.taskId ?? randomUUID(),
    taskName: options.taskName ?? 'test.task',
    queue: options.queue ?? 'test',
    retries: options.retries ?? 0,
    maxRetries: options.maxRetries ?? 3,
    replayed: options.replayed ?? false,
    signal: options.signal ?? new AbortController().signal,
    logger,
    lines: logger.lines,
    services: options.services,
    progress,
    reportProgress: (p) => {
      progress.push({ ...p });
      return Promise.resolve();
    },
  };
}
