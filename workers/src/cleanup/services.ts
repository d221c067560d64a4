import type { FamilyDeps, FamilyServices, Probe } from '../family';
import type { BackendClient } from '../providers/backend-client';
import type { CleanupConfig } from './config';

/** What cleanup handlers reach through `ctx.services`. */
export interface CleanupServices extends FamilyServices {
  readonly backend: BackendClient;
  readonly probes: { readonly rabbitmq: Probe; readonly redis: Probe };
  readonly settings: CleanupConfig;
}

export function createCleanupServices(
  config: CleanupConfig,
  deps: FamilyDeps,
): Promise<CleanupServices> {
  return Promise.resolve({
    backend: deps.backend,
    probes: deps.probes,
    settings: config,
    close: () => Promise.resolve(),
  });
}
