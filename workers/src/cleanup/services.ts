import type { FamilyDeps, FamilyServices, Probe } from '../family';
import type { BackendClient } from '../providers/backend-client';
import { FilesInUse } from '../providers/files-in-use';
import type { CleanupConfig } from './config';
import { HealthSnapshots } from './health-snapshot';
import {
  DeadLetterHeads,
  deadLetterPruning,
  type AmqpConnection,
  type DeadLetterPruning,
} from './dead-letter-pruning';
import type { SweepFs } from './sweep';

/** What cleanup handlers reach through `ctx.services`. */
export interface CleanupServices extends FamilyServices {
  readonly backend: BackendClient;
  readonly probes: { readonly rabbitmq: Probe; readonly redis: Probe };
  readonly settings: CleanupConfig;
  /** The latest health report, kept in Redis for `burrow health`. */
  readonly health: HealthSnapshots;
  /** Files the fleet is writing now (reports, imports): the sweeps skip them. */
  readonly filesInUse: Pick<FilesInUse, 'held'>;
  /** The broker side of dead-letter pruning; null = the worker gave no connection (skipped). */
  readonly deadLetters?: DeadLetterPruning | null;
  /** The clock file ages are measured against. */
  readonly now: () => number;
  /** Filesystem calls of the sweeps; undefined = node:fs/promises. */
  readonly fs?: SweepFs;
}

/**
 * FamilyDeps, and the worker's broker connection when it passes one (`amqp`, the current
 * connection or undefined while reconnecting): dead-letter pruning needs it, nothing else does.
 */
export type CleanupDeps = FamilyDeps & { readonly amqp?: () => AmqpConnection | undefined };

export function createCleanupServices(
  config: CleanupConfig,
  deps: CleanupDeps,
): Promise<CleanupServices> {
  return Promise.resolve({
    backend: deps.backend,
    probes: deps.probes,
    settings: config,
    health: new HealthSnapshots(deps.redis, {
      keyPrefix: deps.keyPrefix,
      ttlSeconds: deps.resultExpiresSeconds,
    }),
    filesInUse: new FilesInUse(deps.redis, { keyPrefix: deps.keyPrefix }),
    deadLetters: deps.amqp
      ? deadLetterPruning(deps.amqp, new DeadLetterHeads(deps.redis, deps.keyPrefix))
      : null,
    now: Date.now,
    close: () => Promise.resolve(),
  });
}
