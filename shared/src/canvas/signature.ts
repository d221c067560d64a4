import { createHash } from 'node:crypto';

/**
 * A Celery signature as it travels in a message's embed (`celery/canvas.py` Signature as a
 * dict): the task to call, its arguments and its calling options.
 */
export interface Signature {
  readonly task: string;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly options: Readonly<Record<string, unknown>>;
  /** `chain`, `group`, `chord`… for composite signatures; null for a plain task call. */
  readonly subtaskType: string | null;
  /** `.si()`: the parent's result is not prepended to its args. */
  readonly immutable: boolean;
}

/** Reads one signature; null when the value is not a signature at all. */
export function readSignature(value: unknown): Signature | null {
  if (!isRecord(value) || typeof value.task !== 'string' || value.task === '') return null;
  const options = isRecord(value.options) ? value.options : {};
  return {
    task: value.task,
    args: Array.isArray(value.args) ? value.args : [],
    kwargs: isRecord(value.kwargs) ? value.kwargs : {},
    options,
    subtaskType: typeof value.subtask_type === 'string' ? value.subtask_type : null,
    immutable: value.immutable === true || options.immutable === true,
  };
}

/** Back to the wire form, for a signature carried on (the rest of a chain, a chord body). */
export function signatureToWire(sig: Signature): Record<string, unknown> {
  return {
    task: sig.task,
    args: [...sig.args],
    kwargs: { ...sig.kwargs },
    options: { ...sig.options },
    subtask_type: sig.subtaskType,
    immutable: sig.immutable,
  };
}

/** The arguments a follow-up is called with: `partial` first, unless the signature is immutable. */
export function callArgs(sig: Signature, partial: readonly unknown[]): unknown[] {
  return sig.immutable ? [...sig.args] : [...partial, ...sig.args];
}

/**
 * The id a follow-up is published under. A frozen signature carries its own (`task_id`: the
 * client holds an AsyncResult for it, e.g. a chain's later steps); otherwise the id is derived
 * from the parent and the follow-up's place, so a redelivered parent publishes the same task
 * again, which burrow's completion check then runs at most once.
 */
export function followUpId(sig: Signature, parentId: string, place: string): string {
  const own = sig.options.task_id;
  if (typeof own === 'string' && own !== '') return own;
  return derivedId(`${parentId}:${place}`);
}

/** A UUID (version 5 layout) from a name: the same name always gives the same id. */
export function derivedId(name: string): string {
  const bytes = createHash('sha1').update(`burrow-canvas:${name}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The signatures of a list field (`link`, `link_error`, `chain`), skipping anything else. */
export function readSignatures(value: unknown): Signature[] {
  const list = Array.isArray(value) ? value : value === null || value === undefined ? [] : [value];
  return list.map(readSignature).filter((s): s is Signature => s !== null);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
