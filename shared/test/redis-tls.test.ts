import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { TLSSocket } from 'node:tls';
import type { Redis } from 'ioredis';
import {
  ConfigError,
  RedisResultStore,
  TaskClient,
  celeryNow,
  connectFleet,
  connectRedis,
  createLogger,
  loadConfig,
  taskQueuesTopology,
} from '../src';
import { createRedisRig, freePort } from '../../testing/redis-servers';
import { makeTestTlsFiles, redisTlsArgs, type TestTlsFiles } from '../../testing/redis-tls-certs';
import { REPO_ROOT, stackFleetConfig, uniqueName } from '../../testing/stack';
import { spawnBurrow, type WorkerProcess } from '../../testing/worker-process';

const logger = createLogger({ service: 'test', silent: true });

/**
 * A private TLS-only redis-server (no plain port) with a throwaway CA, and one that also asks
 * for client certificates. burrow connects from REDIS_URL=rediss://… and the REDIS_TLS_*
 * variables, refuses a server its CAs do not vouch for, and a real worker stores results there.
 */
describe('Redis over TLS', () => {
  const rig = createRedisRig();
  let files: TestTlsFiles;
  let url: string;
  let mutualUrl: string;
  const opened: Redis[] = [];

  /** Settings as a process would load them from its environment. */
  const redisFrom = (env: Record<string, string>) => loadConfig(env).redis;
  const connect = async (env: Record<string, string>, role: 'client' | 'subscriber' = 'client') => {
    const redis = await connectRedis(redisFrom(env), role, logger);
    opened.push(redis);
    return redis;
  };

  beforeAll(async () => {
    files = await makeTestTlsFiles(rig.dir);
    const port = await freePort();
    await rig.startServer({ port, args: redisTlsArgs(files, port, 'no') });
    const mutualPort = await freePort();
    await rig.startServer({ port: mutualPort, args: redisTlsArgs(files, mutualPort, 'yes') });
    url = `rediss://127.0.0.1:${port}/0`;
    mutualUrl = `rediss://localhost:${mutualPort}/0`;
  }, 60_000);

  afterAll(async () => {
    for (const redis of opened) redis.disconnect();
    await rig.close();
  });

  it('stores and reads a result over rediss:// with REDIS_TLS_CA_FILE, the certificate verified', async () => {
    const redis = await connect({ REDIS_URL: url, REDIS_TLS_CA_FILE: files.caFile });
    expect(redis.stream).toBeInstanceOf(TLSSocket);
    expect((redis.stream as TLSSocket).authorized).toBe(true);
    const results = new RedisResultStore(redis, { keyPrefix: `${uniqueName('tls')}:` });
    const taskId = randomUUID();
    await results.store(
      {
        status: 'SUCCESS',
        result: { over: 'tls' },
        traceback: null,
        children: [],
        date_done: celeryNow(),
        task_id: taskId,
      },
      { final: true },
    );
    expect(await results.get(taskId)).toMatchObject({ status: 'SUCCESS', result: { over: 'tls' } });
  });

  it('takes REDIS_TLS=true with the REDIS_HOST parts, and a Celery rediss:// URL as it is', async () => {
    const { port } = new URL(url);
    const parts = await connect({
      REDIS_HOST: '127.0.0.1',
      REDIS_PORT: port,
      REDIS_TLS: 'true',
      REDIS_TLS_CA_FILE: files.caFile,
    });
    expect(await parts.ping()).toBe('PONG');
    const celery = await connect({
      REDIS_URL: `${url}?ssl_cert_reqs=required&ssl_ca_certs=${encodeURIComponent(files.caFile)}`,
    });
    expect((celery.stream as TLSSocket).authorized).toBe(true);
    expect(await celery.ping()).toBe('PONG');
  });

  it('refuses a server whose certificate its CAs did not sign, saying why', async () => {
    await expect(
      connect({ REDIS_URL: url, REDIS_TLS_CA_FILE: files.strangerCaFile }),
    ).rejects.toThrow(/^redis rediss:\/\/127\.0\.0\.1:\d+\/0: .*certificate/);
    // Only an explicit opt-out (a test rig) accepts it.
    const anyCert = await connect({
      REDIS_URL: url,
      REDIS_TLS_CA_FILE: files.strangerCaFile,
      REDIS_TLS_REJECT_UNAUTHORIZED: 'false',
    });
    expect(await anyCert.ping()).toBe('PONG');
  });

  it('presents REDIS_TLS_CERT_FILE/KEY_FILE to a server that asks for a client certificate', async () => {
    await expect(
      connect({ REDIS_URL: mutualUrl, REDIS_TLS_CA_FILE: files.caFile }),
    ).rejects.toThrow(/^redis rediss:\/\/localhost/);
    const redis = await connect({
      REDIS_URL: mutualUrl,
      REDIS_TLS_CA_FILE: files.caFile,
      REDIS_TLS_CERT_FILE: files.clientCertFile,
      REDIS_TLS_KEY_FILE: files.clientKeyFile,
    });
    expect(await redis.ping()).toBe('PONG');
  });

  it('fails at start, naming the variable, on TLS files it cannot use', () => {
    expect(() => redisFrom({ REDIS_URL: url, REDIS_TLS_CA_FILE: '/nonexistent/ca.pem' })).toThrow(
      /REDIS_TLS_CA_FILE: cannot read \/nonexistent\/ca.pem \(ENOENT\)/,
    );
    expect(() =>
      redisFrom({ REDIS_URL: 'redis://127.0.0.1:6379/0', REDIS_TLS_CA_FILE: files.caFile }),
    ).toThrow(ConfigError);
    expect(() => redisFrom({ REDIS_URL: url, REDIS_TLS_CERT_FILE: files.clientCertFile })).toThrow(
      /REDIS_TLS_CERT_FILE: a client certificate needs REDIS_TLS_KEY_FILE too/,
    );
  });

  describe('a real worker process with REDIS_URL=rediss://', () => {
    const fixtureQueue = uniqueName('tls-fixtures');
    let worker: WorkerProcess;
    let client: TaskClient;
    let closeFleet: () => Promise<void> = async () => undefined;

    beforeAll(async () => {
      worker = spawnBurrow(
        {
          REDIS_URL: url,
          REDIS_TLS_CA_FILE: files.caFile,
          BURROW_FIXTURE_QUEUE: fixtureQueue,
          WORKER_TASK_MODULES: path.join(REPO_ROOT, 'workers/test/fixtures/fixture-tasks.js'),
          WORKER_NAME: uniqueName('tls@test'),
        },
        ['--queues', fixtureQueue, '--concurrency', '2'],
      );
      await worker.waitForLine(/worker ready/, 45_000);
      // Tasks go out through the shared RabbitMQ; their results are read from the TLS server.
      const fleet = await connectFleet(stackFleetConfig(), logger, {
        topology: taskQueuesTopology([]),
        connectionName: 'tls test client',
      });
      closeFleet = () => fleet.close();
      const settings = redisFrom({ REDIS_URL: url, REDIS_TLS_CA_FILE: files.caFile });
      const redis = await connectRedis(settings, 'client', logger);
      const subscriber = await connectRedis(settings, 'subscriber', logger);
      opened.push(redis, subscriber);
      const results = new RedisResultStore(redis);
      client = new TaskClient({ publisher: fleet.publisher, results, subscriber });
    }, 60_000);

    afterAll(async () => {
      worker?.kill('SIGKILL');
      await worker?.exited;
      await closeFleet();
    });

    it('runs a task and stores its result on the TLS server', async () => {
      const id = await client.send('fixtures.add', { x: 2, y: 3 }, { queue: fixtureQueue });
      expect(await client.wait<number>(id, 20_000)).toBe(5);
      expect(await client.status(id)).toBe('SUCCESS');
    });
  });
});
