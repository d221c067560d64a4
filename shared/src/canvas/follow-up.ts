import { parseCeleryTime, type TaskEmbed, type TaskMessageInput } from '@burrow/contracts';
import { callArgs, isRecord, readSignatures, signatureToWire, type Signature } from './signature';

/** Where a follow-up goes: a queue (through the default exchange), or an exchange and key. */
export type Route =
  | { readonly kind: 'queue'; readonly queue: string }
  | { readonly kind: 'exchange'; readonly exchange: string; readonly routingKey: string };

/** Finds the queue of a task by name (this worker's registry, then the catalogue). */
export type QueueOf = (task: string) => string | undefined;

/** A follow-up ready to publish: the message, its delay, and where it goes (null: nowhere). */
export interface FollowUp {
  readonly message: TaskMessageInput & { readonly id: string; readonly task: string };
  readonly delaySeconds: number;
  readonly route: Route | null;
}

export interface FollowUpInput {
  readonly sig: Signature;
  readonly id: string;
  /** Prepended to the signature's args unless it is immutable: the result, or the task id. */
  readonly partial: readonly unknown[];
  readonly parentId: string;
  readonly rootId: string;
  /** The rest of a chain, still reversed, carried by the next step. */
  readonly chain?: readonly Signature[];
  readonly now: number;
}

/**
 * Builds the message Celery's `Signature.apply_async` would send for a follow-up, honouring the
 * options a signature carries: queue / routing_key / exchange, countdown / eta, expires, time
 * limits, group membership, and its own links (`link`, `link_error`) and chord body. Pure.
 */
export function buildFollowUp(input: FollowUpInput, queueOf: QueueOf): FollowUp {
  const { sig, now } = input;
  const o = sig.options;
  const embed: TaskEmbed = {
    callbacks: wireList(o.link),
    errbacks: wireList(o.link_error),
    chain: input.chain && input.chain.length > 0 ? input.chain.map(signatureToWire) : null,
    chord: isRecord(o.chord) ? o.chord : null,
  };
  const eta = etaOf(o, now);
  return {
    message: {
      id: input.id,
      task: sig.task,
      args: callArgs(sig, input.partial),
      kwargs: sig.kwargs,
      embed,
      eta: eta === null ? null : new Date(eta).toISOString(),
      expires: expiresOf(o.expires, now),
      timelimit: [positive(o.time_limit), positive(o.soft_time_limit)],
      rootId: input.rootId,
      parentId: input.parentId,
      group: text(o.group_id),
      groupIndex: typeof o.group_index === 'number' ? o.group_index : null,
      ignoreResult: o.ignore_result === true,
    },
    delaySeconds: eta === null ? 0 : Math.max(0, Math.ceil((eta - now) / 1000)),
    route: routeOf(sig, queueOf),
  };
}

/**
 * The signature's own routing first, as Celery's router lets options override routes: `queue`
 * (a name, or a kombu Queue as a dict with `name`), then `exchange` with `routing_key`, then a
 * bare `routing_key` on the default exchange; else the queue the task is known to live on.
 */
export function routeOf(sig: Signature, queueOf: QueueOf): Route | null {
  const o = sig.options;
  const queue = text(o.queue) ?? (isRecord(o.queue) ? text(o.queue.name) : null);
  if (queue) return { kind: 'queue', queue };
  const exchange = text(o.exchange) ?? (isRecord(o.exchange) ? text(o.exchange.name) : null);
  const routingKey = text(o.routing_key);
  if (exchange && routingKey) return { kind: 'exchange', exchange, routingKey };
  if (routingKey) return { kind: 'queue', queue: routingKey };
  const known = queueOf(sig.task);
  return known ? { kind: 'queue', queue: known } : null;
}

function etaOf(o: Readonly<Record<string, unknown>>, now: number): number | null {
  if (typeof o.eta === 'string') {
    const at = parseCeleryTime(o.eta);
    if (at) return at.getTime();
  }
  if (typeof o.countdown === 'number' && o.countdown > 0) return now + o.countdown * 1000;
  return null;
}

/** Celery takes `expires` as seconds from now or as an absolute time. */
function expiresOf(value: unknown, now: number): string | null {
  if (typeof value === 'number') return new Date(now + value * 1000).toISOString();
  if (typeof value === 'string') return parseCeleryTime(value)?.toISOString() ?? null;
  return null;
}

function wireList(value: unknown): Record<string, unknown>[] | null {
  const sigs = readSignatures(value);
  return sigs.length > 0 ? sigs.map(signatureToWire) : null;
}

function positive(value: unknown): number | null {
  return typeof value === 'number' && value > 0 ? value : null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}
