import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  RedisResultStore,
  celeryNow,
  connectRedis,
  loadConfig,
  type Logger,
  type ResultMeta,
} from '../src';
import {
  createRedisRig,
  freePort,
  withRedis,
  type RedisServerProcess,
} from '../../testing/redis-servers';
import { eventually, uniqueName } from '../../testing/stack';

/** Log lines kept for assertions: what an operator would read. */
function recordingLogger(lines: string[]): Logger {
  const log = (level: string) => (message: string, fields?: object) =>
    void lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  const logger: Logger = {
    error: log('error'),
    warn: log('warn'),
    info: log('info'),
    debug: log('debug'),
    child: () => logger,
  };
  return logger;
}

function success(result: unknown): ResultMeta {
  return {
    status: 'SUCCESS',
    result,
    traceback: null,
    children: [],
    date_done: celeryNow(),
    task_id: randomUUID(),
  };
}

/**
 * A private master, replica and three Sentinels (quorum 2), and burrow's result store connected
 * through them from REDIS_SENTINELS alone. Two failovers: one asked for (SENTINEL FAILOVER), one
 * forced by killing the master; after each, writes land on the new master and earlier results
 * are still read.
 */
describe('Redis through Sentinel', () => {
  const rig = createRedisRig();
  const masterName = uniqueName('burrow');
  const keyPrefix = `${uniqueName('sentinel')}:`;
  const logLines: string[] = [];
  let first: RedisServerProcess;
  let second: RedisServerProcess;
  let sentinels: RedisServerProcess[] = [];
  let redis: Redis | undefined;
  let subscriber: Redis | undefined;
  let results: RedisResultStore;
  /** Subscribed to before both failovers, stored after them: what TaskClient.wait relies on. */
  const waited = success({ n: 'heard' });
  let heard: Promise<string>;

  /** The node this connection is on now (port), as the socket says. */
  const portOf = (connection: Redis | undefined) => connection?.stream?.remotePort;

  const inSyncWith = async (replica: RedisServerProcess, key: string) =>
    (await withRedis(replica.port, (r) => r.info('replication'))).includes(
      'master_link_status:up',
    ) && (await withRedis(replica.port, (r) => r.exists(key))) === 1;

  /** Every Sentinel answers `node` for the master's address. */
  const sentinelsName = async (node: RedisServerProcess) => {
    for (const s of sentinels) {
      const address = await withRedis(s.port, (r) =>
        r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName),
      );
      if ((address as string[])[1] !== String(node.port)) return false;
    }
    return true;
  };

  beforeAll(async () => {
    first = await rig.startServer();
    second = await rig.startServer({ args: ['--replicaof', '127.0.0.1', String(first.port)] });
    await eventually(
      async () =>
        (await withRedis(second.port, (r) => r.info('replication'))).includes(
          'master_link_status:up',
        ),
      20_000,
      'replica in sync',
    );
    sentinels = await Promise.all(
      [1, 2, 3].map(() => rig.startSentinel(masterName, first.port, 2)),
    );
    // Each Sentinel must know the replica (to promote it) and the other two (to reach quorum).
    await eventually(
      async () => {
        for (const s of sentinels) {
          const known = await withRedis(s.port, async (r) => ({
            replicas: ((await r.call('SENTINEL', 'REPLICAS', masterName)) as unknown[]).length,
            peers: ((await r.call('SENTINEL', 'SENTINELS', masterName)) as unknown[]).length,
          }));
          if (known.replicas !== 1 || known.peers !== 2) return false;
        }
        return true;
      },
      30_000,
      'Sentinels that know the replica and each other',
    );
    const config = loadConfig({
      REDIS_SENTINELS: sentinels.map((s) => `127.0.0.1:${s.port}`).join(', '),
      REDIS_SENTINEL_MASTER: masterName,
      REDIS_KEY_PREFIX: keyPrefix,
      // Where REDIS_HOST/PORT point does not matter once Sentinels are named.
      REDIS_PORT: '1',
    });
    const logger = recordingLogger(logLines);
    redis = await connectRedis(config.redis, 'worker', logger);
    subscriber = await connectRedis(config.redis, 'subscriber', logger);
    results = new RedisResultStore(redis, { keyPrefix: config.redis.keyPrefix });
  }, 90_000);

  afterAll(async () => {
    subscriber?.disconnect();
    redis?.disconnect();
    await rig.close();
  });

  it('writes to the master that Sentinel names, and the replica follows', async () => {
    expect(portOf(redis)).toBe(first.port);
    const meta = success({ n: 1 });
    await results.store(meta, { final: true });
    expect(await results.get(meta.task_id)).toMatchObject({ status: 'SUCCESS', result: { n: 1 } });
    await eventually(() => inSyncWith(second, results.resultKey(meta.task_id)), 10_000);

    const channel = results.resultKey(waited.task_id);
    heard = new Promise<string>((resolve) =>
      subscriber!.on('message', (ch: string, message: string) => {
        if (ch === channel) resolve(message);
      }),
    );
    await subscriber!.subscribe(channel);
    expect(portOf(subscriber)).toBe(first.port);
  });

  it('SENTINEL FAILOVER: writes go on on the promoted replica, earlier results still read', async () => {
    const before = success({ n: 'before' });
    await results.store(before, { final: true });
    await eventually(() => inSyncWith(second, results.resultKey(before.task_id)), 10_000);

    await withRedis(sentinels[0]!.port, (r) => r.call('SENTINEL', 'FAILOVER', masterName));
    await eventually(() => sentinelsName(second), 30_000, 'Sentinels naming the new master');
    // The old master goes on taking writes until Sentinel demotes it, some seconds later (writes
    // it takes then are lost): the connection must move on +switch-master, well before that.
    await eventually(
      () => portOf(redis) === second.port,
      5_000,
      'the connection on the new master',
    );

    const after = success({ n: 'after' });
    await results.store(after, { final: true });
    expect(await results.get(before.task_id)).toMatchObject({ result: { n: 'before' } });
    expect(await results.get(after.task_id)).toMatchObject({ result: { n: 'after' } });
    // On the new master itself, not somewhere else that happens to answer.
    const stored = await withRedis(second.port, (r) => r.get(results.resultKey(after.task_id)));
    expect(JSON.parse(stored ?? 'null')).toMatchObject({
      status: 'SUCCESS',
      task_id: after.task_id,
    });
    await eventually(
      () => logLines.some((l) => l.startsWith('info redis master changed')),
      10_000,
      'a "redis master changed" log line',
    );
  }, 60_000);

  it('master killed: a write made during the outage lands on the new master', async () => {
    // The old master is now a replica of the new one; let it catch up before the crash.
    const last = success({ n: 'last before the crash' });
    await results.store(last, { final: true });
    await eventually(() => inSyncWith(first, results.resultKey(last.task_id)), 40_000, 'resync');

    await second.stop('SIGKILL');
    const during = success({ n: 'during the outage' });
    const storing = results.store(during, { final: true });
    await eventually(() => sentinelsName(first), 45_000, 'Sentinels naming the new master');
    await storing;

    expect(portOf(redis)).toBe(first.port);
    expect(await results.get(during.task_id)).toMatchObject({ result: { n: 'during the outage' } });
    expect(await results.get(last.task_id)).toMatchObject({
      result: { n: 'last before the crash' },
    });
    const stored = await withRedis(first.port, (r) => r.exists(results.resultKey(during.task_id)));
    expect(stored).toBe(1);
  }, 90_000);

  it('a subscription made before both failovers hears a result stored after them', async () => {
    const channel = results.resultKey(waited.task_id);
    await eventually(
      async () => (await withRedis(first.port, (r) => r.pubsub('NUMSUB', channel)))[1] === 1,
      15_000,
      'the subscription renewed on the new master',
    );
    expect(portOf(subscriber)).toBe(first.port);
    await results.store(waited, { final: true });
    expect(JSON.parse(await heard)).toMatchObject({ status: 'SUCCESS', result: { n: 'heard' } });
  }, 30_000);
});

describe('Redis through Sentinel, none answering', () => {
  it('fails the start within its timeout, naming the master, instead of waiting for ever', async () => {
    const ports = [await freePort(), await freePort()];
    const lines: string[] = [];
    const started = Date.now();
    const error = await connectRedis(
      {
        url: 'redis://localhost:6379',
        sentinel: {
          sentinels: ports.map((port) => ({ host: '127.0.0.1', port })),
          masterName: 'burrow-master',
          password: '',
          tls: false,
        },
      },
      'worker',
      recordingLogger(lines),
      { startTimeoutMs: 1_500 },
    ).then(
      () => null,
      (err: Error) => err.message,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toMatch(/burrow-master/);
    expect(error).toContain('no master from the Sentinels within 1.5 s');
    expect(error).toContain('All sentinels are unreachable');
  });
});
