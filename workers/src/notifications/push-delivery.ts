import type { RateLimiter } from '../providers/fleet-rate-limiter';
import type { TokenFailure } from './fcm-errors';
import type { PushContent, PushSender } from './fcm-sender';
import type { PushState, SettledToken } from './push-state';

/** FCM's limit of tokens per multicast. */
export const FCM_MULTICAST_LIMIT = 500;

/** Where every token of one push stands after a pass, this attempt's and earlier ones'. */
export interface PushTally {
  readonly tokens: number;
  readonly delivered: number;
  /** Dead tokens (unregistered, invalid) with FCM's code: the backend should forget them. */
  readonly invalid: ReadonlyMap<string, string>;
  /** Tokens this message can never reach (sender mismatch, invalid argument, …). */
  readonly rejected: ReadonlyMap<string, string>;
  /** Tokens that failed for now (unavailable, quota, internal): a retry sends to these only. */
  readonly pending: ReadonlyMap<string, TokenFailure>;
  /** Invalid tokens the backend has not been told about yet. */
  readonly unreported: readonly string[];
  /** Multicasts sent by this attempt. */
  readonly batches: number;
}

export interface PushPass {
  /** Task id, or `notification-<id>` for a queued item: the key of its settled tokens. */
  readonly pushId: string;
  readonly tokens: readonly string[];
  readonly content: PushContent;
  readonly signal: AbortSignal;
  /** Called after each multicast with the tokens settled or tried so far. */
  readonly onBatch?: (done: number, total: number) => Promise<void> | void;
}

/**
 * Sends one notification to many tokens: skips the tokens an earlier attempt settled, sends the
 * rest in multicasts of at most 500 (fewer under a fleet rate below 500/s, so a burst never
 * exceeds one second's worth), and records each multicast's settled tokens before the next.
 */
export class PushDelivery {
  private readonly batchSize: number;

  constructor(
    private readonly sender: PushSender,
    private readonly rate: RateLimiter,
    private readonly state: PushState,
    ratePerSecond: number,
  ) {
    this.batchSize =
      ratePerSecond > 0
        ? Math.max(1, Math.min(FCM_MULTICAST_LIMIT, Math.floor(ratePerSecond)))
        : FCM_MULTICAST_LIMIT;
  }

  async deliver(pass: PushPass): Promise<PushTally> {
    const tokens = [...new Set(pass.tokens)];
    const earlier = await this.state.load(pass.pushId);
    const settled = new Map<string, SettledToken>(earlier.settled);
    const pending = new Map<string, TokenFailure>();
    const toSend = tokens.filter((token) => !settled.has(token));
    let batches = 0;
    for (let start = 0; start < toSend.length; start += this.batchSize) {
      pass.signal.throwIfAborted();
      const batch = toSend.slice(start, start + this.batchSize);
      await this.rate.take(pass.signal, batch.length);
      const outcomes = await this.sender.sendMulticast(batch, pass.content);
      batches += 1;
      const newlySettled = new Map<string, SettledToken>();
      for (const outcome of outcomes) {
        if (outcome.ok) newlySettled.set(outcome.token, { outcome: 'delivered' });
        else if (outcome.failure.kind === 'transient') pending.set(outcome.token, outcome.failure);
        else
          newlySettled.set(outcome.token, {
            outcome: outcome.failure.kind === 'invalid' ? 'invalid' : 'failed',
            code: outcome.failure.code,
          });
      }
      await this.state.recordSettled(pass.pushId, newlySettled);
      for (const [token, value] of newlySettled) settled.set(token, value);
      await pass.onBatch?.(tokens.length - toSend.length + start + batch.length, tokens.length);
    }
    return tally(tokens, settled, pending, earlier.reported, batches);
  }

  /**
   * The devices of a push by user id: the ones an earlier attempt resolved, or `resolve()`'s,
   * kept for the next attempts so every attempt sends to the same devices.
   */
  async devices(pushId: string, resolve: () => Promise<string[]>): Promise<string[]> {
    const { devices } = await this.state.load(pushId);
    if (devices) return [...devices];
    const resolved = await resolve();
    await this.state.recordDevices(pushId, resolved);
    return resolved;
  }

  async markReported(pushId: string, tokens: readonly string[]): Promise<void> {
    await this.state.recordReported(pushId, tokens);
  }
}

function tally(
  tokens: readonly string[],
  settled: ReadonlyMap<string, SettledToken>,
  pending: ReadonlyMap<string, TokenFailure>,
  reported: ReadonlySet<string>,
  batches: number,
): PushTally {
  let delivered = 0;
  const invalid = new Map<string, string>();
  const rejected = new Map<string, string>();
  for (const token of tokens) {
    const outcome = settled.get(token);
    if (!outcome) continue;
    if (outcome.outcome === 'delivered') delivered += 1;
    else (outcome.outcome === 'invalid' ? invalid : rejected).set(token, outcome.code);
  }
  const unreported = [...invalid.keys()].filter((token) => !reported.has(token));
  return { tokens: tokens.length, delivered, invalid, rejected, pending, unreported, batches };
}

/** Failed tokens per FCM code, final and pending alike: `{"registration-token-not-registered": 5}`. */
export function errorCounts(tally: PushTally): Record<string, number> {
  const counts: Record<string, number> = {};
  const add = (code: string) => (counts[code] = (counts[code] ?? 0) + 1);
  for (const code of tally.invalid.values()) add(code);
  for (const code of tally.rejected.values()) add(code);
  for (const failure of tally.pending.values()) add(failure.code);
  return counts;
}
