import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configure } from 'safe-stable-stringify';
import winston from 'winston';
import DailyRotateFile from 'winston-daily-rotate-file';
import { ConfigError } from '../errors';
import { maskText, maskValue } from './mask';
import { StdoutTransport } from './stdout-transport';

/** Structured fields of one log line; masked by the logger, never by the caller. */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * What code that logs needs: levelled lines with fields, and scoped children. Handlers and the
 * engine depend on this, not on winston, so a test passes any object of this shape.
 */
export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  /** A logger whose every line also carries `fields` (task id, name, attempt). */
  child(fields: LogFields): Logger;
}

/** The process's root logger: a Logger that can also be flushed before exit. */
export interface ProcessLogger extends Logger {
  /** Resolves once every transport has written what it was given. */
  flush(): Promise<void>;
}

export interface LoggerOptions {
  /** Process role, e.g. "worker", on every line. */
  readonly service: string;
  /** @default 'info' */
  readonly level?: string;
  /** Directory for rotating files; empty = stdout only. */
  readonly dir?: string;
  /**
   * What sets this process's file apart from its siblings' in a shared directory (replicas
   * writing one `logs` volume, the local fleet's workers): `<service>-<instance>-<date>.log`.
   * @default the host name
   */
  readonly instance?: string;
  /** @default 'pretty' */
  readonly format?: 'pretty' | 'json';
  /** Log nothing (tests). @default false */
  readonly silent?: boolean;
}

const SKIP = new Set(['level', 'message', 'timestamp', 'service', 'taskId', 'task', 'stack']);

/** Masks personal data and secrets in every record, whatever the call site passed. */
/** Fields burrow itself fills with ids, names and numbers: nothing personal to mask. */
const SAFE_KEYS = new Set([
  'level',
  'timestamp',
  'service',
  'taskId',
  'task',
  'ms',
  'attempt',
  'queue',
  'code',
  'outcome',
]);

const maskRecord = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (SAFE_KEYS.has(key)) continue;
    (info as Record<string, unknown>)[key] =
      key === 'message' ? maskText(String(info.message)) : maskValue(info[key], key);
  }
  return info;
});

const errorsToFields = winston.format((info) => {
  const err = info.err ?? info.error;
  if (err instanceof Error) {
    info.error = maskText(err.message);
    info.errorType = err.name;
    if (info.err) delete info.err;
  }
  return info;
});

/** winston's key for a record's formatted line (triple-beam's MESSAGE). */
const MESSAGE = Symbol.for('message');

/**
 * The record as one JSON line, as winston's json() writes it (cycles and BigInts survive), but
 * with the stringifier configured once rather than per line, and keys in a fixed order rather
 * than sorted: that was a third of what formatting a line cost.
 */
const stringifyRecord = configure({ deterministic: false });
const bigintAsString = (_key: string, value: unknown) =>
  typeof value === 'bigint' ? value.toString() : value;
const jsonLine = winston.format((info) => {
  // level and message first, then the fields in the order they were set.
  const ordered = Object.assign({ level: info.level, message: info.message }, info);
  (info as Record<symbol, unknown>)[MESSAGE] = stringifyRecord(ordered, bigintAsString);
  return info;
});

/** An ISO timestamp, made once per millisecond however many lines share it. */
let stampedAt = 0;
let stamp = '';
const timestamp = winston.format((info) => {
  const now = Date.now();
  if (now !== stampedAt) {
    stampedAt = now;
    stamp = new Date(now).toISOString();
  }
  info.timestamp = stamp;
  return info;
});

const pretty = winston.format.printf((info) => {
  const scope = info.taskId ? ` [${String(info.task ?? '')} ${String(info.taskId)}]` : '';
  const rest = Object.entries(info)
    .filter(([k, v]) => !SKIP.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${String(info.timestamp)} ${info.level.padEnd(5)} ${String(info.service)}${scope} ${String(info.message)}${rest ? ` ${rest}` : ''}`;
});

/**
 * Builds a process logger: readable lines in a terminal or JSON in production, to stdout and,
 * when a directory is given, to a daily-rotated file of its own there (14 days, 20 MB per
 * file; see `logFileStem`).
 */
export function createLogger(options: LoggerOptions): ProcessLogger {
  const base = winston.format.combine(errorsToFields(), maskRecord(), timestamp());
  const stdout = new StdoutTransport({
    format: options.format === 'json' ? jsonLine() : pretty,
  });
  const transports: winston.transport[] = [stdout];
  const file = options.dir
    ? new DailyRotateFile({
        dirname: writableDir(options.dir),
        filename: `${logFileStem(options)}-%DATE%.log`,
        maxFiles: '14d',
        maxSize: '20m',
        format: jsonLine(),
      })
    : undefined;
  if (file) transports.push(file);
  const logger = skipDisabledLevels(
    winston.createLogger({
      level: options.level ?? 'info',
      silent: options.silent ?? false,
      defaultMeta: { service: options.service },
      format: base,
      transports,
    }),
  );
  return Object.assign(logger, {
    child: (fields: LogFields): Logger => new ScopedLogger(logger, fields),
    flush: () =>
      new Promise<void>((resolve) => {
        logger.once('finish', () => {
          stdout.writePending();
          if (!file) return resolve();
          // The logger's 'finish' comes before the file is written: wait for the file's own,
          // but never hold an exiting process up for long.
          setTimeout(resolve, 2_000).unref();
          file.once('finish', () => resolve());
          file.close?.();
        });
        logger.end();
      }),
  });
}

/**
 * The log directory, made if missing, checked writable now: the file transport would find out
 * later, asynchronously, and crash the process with a bare stack trace.
 */
function writableDir(dir: string): string {
  const absolute = path.resolve(dir);
  try {
    fs.mkdirSync(absolute, { recursive: true });
    fs.accessSync(absolute, fs.constants.W_OK);
  } catch (err) {
    const uid = process.getuid?.();
    throw new ConfigError(
      `LOG_DIR: cannot write log files in ${absolute} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}${uid === undefined ? '' : `, running as uid ${uid}`}): make it writable, or set LOG_DIR= for stdout only`,
      { cause: err },
    );
  }
  return absolute;
}

/**
 * `<service>-<instance>`, safe as a file name. Each process rotates and prunes only its own
 * file: two processes sharing one would rotate it under each other.
 */
export function logFileStem(options: Pick<LoggerOptions, 'service' | 'instance'>): string {
  const instance = options.instance ?? os.hostname();
  return `${options.service}-${instance}`.replace(/[^A-Za-z0-9._+-]/g, '_');
}

/**
 * winston filters levels only after a record has gone through the format pipeline (masking
 * included), so a disabled `info` per task still cost the worker more than the task. The level
 * methods return at once when their level is off; child loggers inherit this.
 */
function skipDisabledLevels(logger: winston.Logger): winston.Logger {
  const methods = logger as unknown as Record<string, (...args: unknown[]) => winston.Logger>;
  for (const level of Object.keys(logger.levels)) {
    const write = methods[level];
    if (!write) continue;
    methods[level] = function (this: winston.Logger, ...args: unknown[]) {
      return this.isLevelEnabled(level) ? write.apply(this, args) : this;
    };
  }
  return logger;
}

/**
 * A child logger: its fields ride on every line. winston's own child costs an Object.create
 * with property descriptors and a merge per line; the engine makes two per task, so this one is
 * a plain object that checks the level first and merges only when it writes.
 */
class ScopedLogger implements Logger {
  constructor(
    private readonly root: winston.Logger,
    private readonly fields: LogFields,
  ) {}

  error(message: string, fields?: LogFields): void {
    this.write('error', message, fields);
  }

  warn(message: string, fields?: LogFields): void {
    this.write('warn', message, fields);
  }

  info(message: string, fields?: LogFields): void {
    this.write('info', message, fields);
  }

  debug(message: string, fields?: LogFields): void {
    this.write('debug', message, fields);
  }

  child(fields: LogFields): Logger {
    return new ScopedLogger(this.root, { ...this.fields, ...fields });
  }

  private write(level: string, message: string, fields: LogFields | undefined): void {
    if (!this.root.isLevelEnabled(level)) return;
    // winston copies the meta it is given, so the fields themselves can go when alone.
    this.root.log(level, message, fields ? { ...this.fields, ...fields } : this.fields);
  }
}
