import type { BackendClient } from './providers/backend-client';

/** A dependency the health check can time: resolves when reachable, throws otherwise. */
export type Probe = (signal: AbortSignal) => Promise<void>;

/** Collaborators handlers reach through `ctx.services`; built once in main and passed in. */
export interface WorkerServices {
  readonly backend: BackendClient;
  readonly probes: { readonly rabbitmq: Probe; readonly redis: Probe };
  readonly settings: { readonly backendHealthPaths: readonly string[] };
}
