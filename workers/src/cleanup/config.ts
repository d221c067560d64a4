import { list, type ConfigFragment } from '@burrow/shared';

/** What the cleanup family reads. */
export interface CleanupConfig {
  /** BACKEND_HEALTH_PATHS: backend paths the health check probes. */
  readonly backendHealthPaths: readonly string[];
}

export const cleanupConfig: ConfigFragment<CleanupConfig> = {
  schema: {
    healthPaths: {
      doc: 'Comma-separated backend paths the health check task probes',
      format: String,
      default: '/health/',
      env: 'BACKEND_HEALTH_PATHS',
    },
  },
  build: (values) => ({ backendHealthPaths: list(String(values.healthPaths)) }),
};
