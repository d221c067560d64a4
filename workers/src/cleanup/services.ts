import type { FamilyDeps, FamilyServices, Probe } from '../family';
import type { BackendClient } from '../providers/backend-client';
import type { CleanupConfig } from './config';
import { HealthSnapshots } from './health-snapshot';
import type { SweepFs } from './sweep';

/** What cleanup handlers reach through `ctx.services`. */
export interface CleanupServices extends FamilyServices {
  readonly backend: BackendClient;
  readonly probes: { readonly rabbitmq: Probe; readonly redis: Probe };
  readonly settings: CleanupConfig;
  /** The latest health report, kept in Redis for `burrow health`. */
  readonly health: HealthSnapshots;
  /** The clock file ages are measured against. */
  readonly now: () => number;
  /** Filesystem calls of the sweeps; undefined = node:fs/promises. */
  readonly fs?: SweepFs;
}

export function createCleanupServices(
  config: CleanupConfig,
  deps: FamilyDeps,
): Promise<CleanupServices> {
  return Promise.resolve({
    backend: deps.backend,
    probes: deps.probes,
    settings: config,
    health: new HealthSnapshots(deps.redis, {
      keyPrefix: deps.keyPrefix,
      ttlSeconds: deps.resultExpiresSeconds,
    }),
    now: Date.now,
    close: () => Promise.resolve(),
  });
}
