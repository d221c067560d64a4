import { randomUUID } from 'node:crypto';
import path from 'node:path';
import amqplib from 'amqplib';
import { Redis } from 'ioredis';
import {
  TaskClient,
  connectFleet,
  taskQueuesTopology,
  type FleetConnection,
  type LogFields,
  type Logger,
} from '@burrow/shared';
import {
  CLUSTER_NODES,
  clusterNodePid,
  clusterNodeUp,
  clusterScript,
  quorumLeader,
  type ClusterNode,
} from '../../../testing/cluster';
import { REDIS_URL, REPO_ROOT, eventually, uniqueName } from '../../../testing/stack';
import { countStatuses } from '../../../testing/test-client';
import { spawnBurrow, type WorkerProcess } from '../../../testing/worker-process';

const TASKS = 10_000;
const urls = CLUSTER_NODES.map((node) => node.amqpUrl);

/** The node list starting at node `i`: each worker first connects to a different node. */
const rotated = (i: number) => [...urls.slice(i), ...urls.slice(0, i)];

/** Records what the publisher's connection logs, to see it fail over. */
function recordingLogger(lines: { message: string; fields: LogFields }[]): Logger {
  const log = (message: string, fields: LogFields = {}) => lines.push({ message, fields });
  const logger: Logger = { error: log, warn: log, info: log, debug: () => {}, child: () => logger };
  return logger;
}

/** The port of the node a worker's log says it (re)connected to, in order. */
function connectedPorts(output: string): { message: string; port: string }[] {
  return output
    .split('\n')
    .filter((line) => line.includes('"broker connected"') || line.includes('"broker reconnected"'))
    .map((line) => JSON.parse(line) as { message: string; broker: string })
    .map(({ message, broker }) => ({ message, port: new URL(broker).port }));
}

describe('a 3-node RabbitMQ cluster loses the node of the queue leader in the middle of 10 000 tasks', () => {
  const queue = uniqueName('cluster');
  const keyPrefix = `${uniqueName('cluster')}:`;
  const runsKey = `${keyPrefix}runs`;
  const workers: WorkerProcess[] = [];
  const publisherLog: { message: string; fields: LogFields }[] = [];
  let fleet: FleetConnection;
  let client: TaskClient;
  let redis: Redis;
  let killed: ClusterNode | null = null;

  beforeAll(async () => {
    await clusterScript('start');
    redis = new Redis(REDIS_URL);
    fleet = await connectFleet(
      {
        rabbitmq: { url: urls[0]!, urls, heartbeatSeconds: 5 },
        redis: { url: REDIS_URL, keyPrefix },
        results: { expiresSeconds: 600 },
        publish: { timeoutSeconds: 60, maxBuffered: TASKS },
      },
      recordingLogger(publisherLog),
      {
        topology: taskQueuesTopology([queue]),
        connectionName: 'cluster test client',
        subscriber: true,
      },
    );
    client = new TaskClient({
      publisher: fleet.publisher,
      results: fleet.results,
      subscriber: fleet.subscriber!,
    });
    for (let i = 0; i < CLUSTER_NODES.length; i += 1) {
      workers.push(
        spawnBurrow(
          {
            RABBITMQ_URLS: rotated(i).join(','),
            RABBITMQ_URL: 'amqp://guest:guest@nowhere.invalid:1/',
            RABBITMQ_HEARTBEAT: '5',
            REDIS_KEY_PREFIX: keyPrefix,
            RESULT_EXPIRES: '600',
            WORKER_CONCURRENCY: '32',
            WORKER_NAME: `cluster-${i + 1}@test`,
            WORKER_TASK_MODULES: path.join(REPO_ROOT, 'workers/test/fixtures/cluster-tasks.js'),
            BURROW_FIXTURE_QUEUE: queue,
            BURROW_CLUSTER_RUNS_KEY: runsKey,
          },
          ['--queues', queue],
        ),
      );
    }
    await Promise.all(workers.map((w) => w.waitForLine(/worker ready/, 60_000)));
  }, 240_000);

  afterAll(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await fleet?.close();
    const survivor = CLUSTER_NODES.find((node) => node !== killed);
    if (survivor) {
      const connection = await amqplib.connect(survivor.amqpUrl).catch(() => null);
      const channel = await connection?.createChannel();
      await channel?.deleteQueue(queue).catch(() => undefined);
      await connection?.close().catch(() => undefined);
    }
    await redis?.del(runsKey);
    redis?.disconnect();
    await clusterScript('stop');
  }, 180_000);

  /**
   * Sends one task, once: a publish in flight on a connection that dies is resent by the
   * publisher on the next node (tasks are deduplicated by id), so the application never sees
   * the failover.
   */
  function send(n: number): Promise<string> {
    return client.send('cluster.mark', { n }, { queue, taskId: randomUUID() });
  }

  /** Sends TASKS tasks in confirmed batches; resolves with their ids. */
  async function sendAll(): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < TASKS; i += 500) {
      const batch = Array.from({ length: Math.min(500, TASKS - i) }, (_, j) => send(i + j));
      ids.push(...(await Promise.all(batch)));
    }
    return ids;
  }

  /** How many of `ids` never ran, and how many ran more than once, per the fixture's hash. */
  async function runCounts(ids: readonly string[]): Promise<{ missing: number; twice: number }> {
    let missing = 0;
    let twice = 0;
    for (let i = 0; i < ids.length; i += 1_000) {
      for (const runs of await redis.hmget(runsKey, ...ids.slice(i, i + 1_000))) {
        if (runs === null) missing += 1;
        else if (Number(runs) > 1) twice += 1;
      }
    }
    return { missing, twice };
  }

  let baselineMs = 0;

  it('replicates the queue on all three nodes and runs every task once with all nodes up', async () => {
    const { members } = await quorumLeader(queue);
    expect([...members].sort()).toEqual(CLUSTER_NODES.map((node) => node.name));

    const started = Date.now();
    const ids = await sendAll();
    await eventually(
      async () => (await redis.hlen(runsKey)) >= TASKS,
      120_000,
      'every task of the baseline run',
    );
    await eventually(
      async () => (await countStatuses(fleet.results, ids)).SUCCESS === TASKS,
      30_000,
      'every SUCCESS result',
    );
    baselineMs = Date.now() - started;
    expect(await runCounts(ids)).toEqual({ missing: 0, twice: 0 });
  }, 180_000);

  it('loses no task and runs none twice when the leader node is killed, and carries on on the other two', async () => {
    const before = await redis.hlen(runsKey);
    const { leader } = await quorumLeader(queue);
    const leaderPid = await clusterNodePid(leader);

    const started = Date.now();
    const sending = sendAll();
    await eventually(
      async () => (await redis.hlen(runsKey)) - before >= 2_500,
      120_000,
      '2 500 tasks before the kill',
    );
    process.kill(leaderPid, 'SIGKILL');
    killed = leader;
    const killedAt = Date.now() - started;
    const ranAtKill = (await redis.hlen(runsKey)) - before;
    const ids = await sending;

    await eventually(
      async () => (await redis.hlen(runsKey)) - before >= TASKS,
      150_000,
      'every task after the kill',
    );
    await eventually(
      async () => (await countStatuses(fleet.results, ids)).SUCCESS === TASKS,
      30_000,
      'every SUCCESS result',
    );
    const elapsedMs = Date.now() - started;

    // None lost, none run twice, the killed node stays down and the queue has a new leader.
    expect(await countStatuses(fleet.results, ids)).toEqual({ SUCCESS: TASKS });
    const counts = await runCounts(ids);
    expect(counts).toEqual({ missing: 0, twice: 0 });
    expect(ranAtKill).toBeLessThan(TASKS);
    expect(await clusterNodeUp(leader)).toBe(false);
    const survivors = CLUSTER_NODES.filter((node) => node !== leader);
    expect((await quorumLeader(queue, survivors)).leader).not.toBe(leader);

    // The worker that was connected to the killed node says so, and where it went.
    const killedPort = new URL(leader.amqpUrl).port;
    const onKilled = workers.filter((w) => connectedPorts(w.output())[0]?.port === killedPort);
    expect(onKilled).toHaveLength(1);
    const failover = connectedPorts(onKilled[0]!.output()).find(
      (c) => c.message === 'broker reconnected',
    );
    expect(failover?.port).toBeDefined();
    expect(failover?.port).not.toBe(killedPort);

    const publisherReconnects = publisherLog.filter((l) => l.message === 'broker reconnected');
    process.stdout.write(
      `cluster failover: ${TASKS} tasks sent, ` +
        `${TASKS - counts.missing} completed, ${counts.twice} run twice; ` +
        `killed ${leader.name} (quorum leader) at ${killedAt} ms after ${ranAtKill} tasks; ` +
        `${(elapsedMs / 1000).toFixed(1)} s with the kill vs ${(baselineMs / 1000).toFixed(1)} s without; ` +
        `publisher reconnected ${publisherReconnects.length}x ${publisherReconnects.map((l) => String(l.fields.broker)).join(' ')}; ` +
        `worker on the killed node moved to port ${failover?.port}\n`,
    );
  }, 240_000);
});
