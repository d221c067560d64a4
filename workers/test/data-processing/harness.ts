import { mkdtemp, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { connectRedis, createLogger, loadConfigFragment } from '@burrow/shared';
import { fakeContext, type FakeContext } from '../../../testing/fake-context';
import { REDIS_URL, uniqueName } from '../../../testing/stack';
import { dataProcessingConfig } from '../../src/data-processing/config';
import {
  createDataProcessingServices,
  type DataProcessingServices,
} from '../../src/data-processing/services';
import type { FamilyDeps } from '../../src/family';
import { BackendClient } from '../../src/providers/backend-client';
import { startFakeDataBackend, type FakeDataBackend } from './fake-data-backend';

export const API_KEY = 'data-test-key';

/** Real Redis, a real backend server, real temp folders and the family's real services. */
export interface Harness {
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly backend: FakeDataBackend;
  readonly dir: string;
  readonly importsDir: string;
  readonly reportsDir: string;
  readonly services: DataProcessingServices;
  /** A fresh context; pass the same `taskId` to run an attempt of the same task again. */
  ctx(options?: { taskId?: string; signal?: AbortSignal }): FakeContext<DataProcessingServices>;
  close(): Promise<void>;
}

export async function startHarness(env: Record<string, string> = {}): Promise<Harness> {
  const redis = await connectRedis(
    REDIS_URL,
    'client',
    createLogger({ service: 'test', silent: true }),
  );
  const keyPrefix = `${uniqueName('data-test')}:`;
  const backend = await startFakeDataBackend();
  const dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'burrow-data-')));
  const importsDir = path.join(dir, 'imports');
  const reportsDir = path.join(dir, 'reports');
  await import('node:fs/promises').then((fs) => fs.mkdir(importsDir));
  const client = new BackendClient({ baseUrl: backend.url, apiKey: API_KEY, timeoutSeconds: 5 });
  const config = loadConfigFragment(dataProcessingConfig, {
    IMPORTS_DIR: importsDir,
    REPORTS_DIR: reportsDir,
    DATA_PROCESSING_THREADS: '2',
    ...env,
  });
  const deps = {
    redis,
    keyPrefix,
    resultExpiresSeconds: 600,
    backend: client,
    logger: createLogger({ service: 'test', silent: true }),
  } as unknown as FamilyDeps;
  const services = await createDataProcessingServices(config, deps);
  return {
    redis,
    keyPrefix,
    backend,
    dir,
    importsDir,
    reportsDir,
    services,
    ctx: (options = {}) =>
      fakeContext({
        services,
        taskId: options.taskId ?? uniqueName('task'),
        ...(options.signal ? { signal: options.signal } : {}),
      }),
    close: async () => {
      await services.close();
      await client.close();
      await backend.close();
      const keys = await redis.keys(`${keyPrefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
