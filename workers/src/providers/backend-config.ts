import type { ConfigFragment } from '@burrow/shared';

/** convict format: an absolute http(s) URL. */
function httpUrl(value: unknown): void {
  let parsed: URL;
  try {
    parsed = new URL(String(value));
  } catch {
    throw new Error(
      `must be an absolute URL like http://backend:8000, got ${JSON.stringify(value)}`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new Error('must be an http:// or https:// URL');
}

/** How every family reaches the product backend (BACKEND_API_*). */
export interface BackendSettings {
  readonly url: string;
  readonly apiKey: string;
  readonly timeoutSeconds: number;
}

/** The product backend's API, shared by every family that calls it. */
export const backendConfig: ConfigFragment<BackendSettings> = {
  schema: {
    url: {
      doc: 'Base URL of the product backend burrow calls',
      format: httpUrl,
      default: 'http://localhost:8000',
      env: 'BACKEND_API_URL',
    },
    apiKey: {
      doc: 'API key sent to the backend',
      format: String,
      default: '',
      env: 'BACKEND_API_KEY',
      sensitive: true,
    },
    timeoutSeconds: {
      doc: 'Timeout of one backend HTTP call',
      format: 'nat',
      default: 10,
      env: 'BACKEND_API_TIMEOUT',
    },
  },
  build: (values) => values as unknown as BackendSettings,
};
