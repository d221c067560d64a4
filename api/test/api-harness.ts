import { createLogger, loadConfig } from '@burrow/shared';
import { hashKey, loadApiConfig, runApiProcess, type ApiProcess } from '@burrow/api';
import { QUEUES } from '@burrow/contracts';
import { AMQP_URL, REDIS_URL } from '../../testing/stack';
import { declareWorkerQueues } from '../../testing/worker-topology';

/** A burrow-api running in the test process on a free loopback port, against real brokers. */
export interface TestApi {
  readonly url: string;
  readonly process: ApiProcess;
  /** fetch() relative to the API, with a JSON body when given. */
  call(
    method: string,
    path: string,
    options?: { key?: string; body?: unknown; raw?: string; headers?: Record<string, string> },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions read response fields directly
  ): Promise<{ status: number; headers: Headers; body: any }>;
  stop(): Promise<void>;
}

/** One entry of API_KEYS with its plain key, for tests. */
export function apiKey(
  name: string,
  key: string,
  extra: { tasks?: string[]; ratePerSecond?: number; burst?: number } = {},
) {
  return { name, sha256: hashKey(key), ...extra };
}

/**
 * Starts the API. The API declares nothing, so unless `declareQueues` is false the catalogue's
 * queues are declared first, as the workers that consume them would.
 */
export async function startTestApi(
  env: Record<string, string>,
  { declareQueues = true }: { declareQueues?: boolean } = {},
): Promise<TestApi> {
  const fullEnv: Record<string, string> = {
    LOG_DIR: '',
    REDIS_URL,
    API_PORT: '0',
    API_HOST: '127.0.0.1',
    ...env,
  };
  if (declareQueues) await declareWorkerQueues(fullEnv.RABBITMQ_URL ?? AMQP_URL, QUEUES);
  const logger = createLogger({ service: 'api-test', silent: true });
  const running = await runApiProcess(loadConfig(fullEnv), loadApiConfig(fullEnv), logger);
  const url = `http://127.0.0.1:${running.port}`;
  return {
    url,
    process: running,
    call: async (method, path, options = {}) => {
      const headers: Record<string, string> = { ...options.headers };
      if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`;
      let body: string | undefined = options.raw;
      if (options.body !== undefined) body = JSON.stringify(options.body);
      if (body !== undefined) headers['content-type'] ??= 'application/json';
      const response = await fetch(`${url}${path}`, { method, headers, body });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON (the docs page, metrics): keep the text
      }
      return { status: response.status, headers: response.headers, body: parsed };
    },
    stop: () => running.stop(),
  };
}
