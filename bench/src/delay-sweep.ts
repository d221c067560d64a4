import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import amqplib from 'amqplib';
import { defineTask, encodeTaskMessage } from '@burrow/contracts';
import {
  TaskClient,
  TaskConsumer,
  TaskRegistry,
  connectFleet,
  createLogger,
  delayLevelsTopology,
  mergeTopologies,
  taskQueuesTopology,
} from '@burrow/shared';
import { benchFleetConfig } from './fixture';
import { grouped } from './format';
import { percentile } from './result-times';

/**
 * How close to its target a countdown runs, through the delay levels of the real broker, and
 * what parked delayed work costs the worker (`npm run bench:delays`, about an hour by default):
 *
 * 1. BENCH_DELAY_PARKED (100 000) Celery-protocol messages with an eta 2 h away are published
 *    straight to the task queue, as a Celery client's apply_async(eta=…) does; the worker must
 *    move each into the delay levels. Its forwarding rate and RSS / V8 heap are sampled.
 * 2. Countdowns of BENCH_DELAYS seconds (1, 5, 30, 300, 3600), BENCH_DELAY_SAMPLES (20) each,
 *    all sent at once: lateness (run time − target) p50 / p99 / max.
 *
 * Everything runs in a vhost of its own, deleted at the end with the parked messages in it.
 * Writes bench/results/delays.md.
 */
const PARKED_ETA_MS = 2 * 3_600_000;

async function main(): Promise<void> {
  const countdowns = (process.env.BENCH_DELAYS ?? '1,5,30,300,3600').split(',').map(Number);
  const samples = Number(process.env.BENCH_DELAY_SAMPLES ?? 20);
  const parked = Number(process.env.BENCH_DELAY_PARKED ?? 100_000);
  const baseUrl = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@localhost:5672';
  const redisUrl = process.env.REDIS_URL ?? 'redis://localhost:6379';
  const vhost = await OwnVhost.create(baseUrl, `bench-delays-${randomBytes(3).toString('hex')}`);
  try {
    await sweep(vhost.amqpUrl, redisUrl, { countdowns, samples, parked });
  } finally {
    await vhost.remove();
  }
}

async function sweep(
  amqpUrl: string,
  redisUrl: string,
  plan: { countdowns: number[]; samples: number; parked: number },
): Promise<void> {
  const queue = `bench.delay.${randomBytes(4).toString('hex')}`;
  const logger = createLogger({ service: 'bench', level: 'warn' });
  const contract = defineTask({
    name: 'bench.now',
    queue,
    description: 'Returns when it ran.',
    params: [],
    kwargs: Type.Object({}, { additionalProperties: false }),
    result: Type.Number(),
  });
  const fleet = await connectFleet(benchFleetConfig(amqpUrl, redisUrl), logger, {
    topology: mergeTopologies(taskQueuesTopology([queue]), delayLevelsTopology([queue])),
    connectionName: 'bench delay sweep',
    redisRole: 'worker',
    subscriber: true,
  });
  const { connection, publisher, redis, results } = fleet;
  const subscriber = fleet.subscriber!;
  const parkedLine = plan.parked > 0 ? await publishParked(amqpUrl, queue, plan.parked) : null;
  const consumer = new TaskConsumer({
    connection,
    publisher,
    results,
    redis,
    registry: new TaskRegistry([{ contract, handler: () => Promise.resolve(Date.now()) }]),
    logger,
    queues: [queue],
    concurrency: 16,
    workerName: 'delay-sweep@bench',
  });
  const memory = parkedLine ? new MemoryWatch() : null;
  const forwardStarted = performance.now();
  await consumer.start();
  let parkedReport = '';
  if (parkedLine && memory) {
    const channel = await connection.current!.createChannel();
    while ((await channel.checkQueue(queue)).messageCount > 0 || consumer.running > 0)
      await new Promise((resolve) => setTimeout(resolve, 250));
    const seconds = (performance.now() - forwardStarted) / 1000;
    await channel.close();
    const m = memory.stop();
    parkedReport = [
      `Parked: ${grouped(plan.parked)} messages with an eta 2 h away, published straight to the`,
      `task queue (${parkedLine}); the worker moved them into the delay levels in ${seconds.toFixed(1)} s`,
      `(${grouped(Math.round(plan.parked / seconds))}/s). Process RSS ${m.rssBefore.toFixed(1)} MB before, peak`,
      `${m.rssPeak.toFixed(1)} MB, ${m.rssAfter.toFixed(1)} MB after; V8 heap used ${m.heapBefore.toFixed(1)} → ${m.heapAfter.toFixed(1)} MB.`,
      '',
    ].join('\n');
    process.stdout.write(`${parkedReport}\n`);
  }
  const client = new TaskClient({ publisher, results, subscriber, extraContracts: [contract] });
  const longest = Math.max(...plan.countdowns);
  process.stdout.write(
    `delay sweep: ${plan.countdowns.join(', ')} s × ${plan.samples} samples; about ${longest} s\n`,
  );
  const rows = await Promise.all(
    plan.countdowns.map(async (countdown) => {
      const late = await Promise.all(
        Array.from({ length: plan.samples }, async () => {
          const sentAt = Date.now();
          const id = await client.send('bench.now', {}, { countdown });
          const ranAt = await client.wait<number>(id, (countdown + 60) * 1000);
          return ranAt - (sentAt + countdown * 1000);
        }),
      );
      late.sort((a, b) => a - b);
      process.stdout.write(`countdown ${countdown} s done\n`);
      return { countdown, late };
    }),
  );
  const table = [
    '| countdown | samples | earliest | p50 | p99 | latest (ms after target) |',
    '| --------: | ------: | -------: | --: | --: | -----------------------: |',
    ...rows.map(
      ({ countdown, late }) =>
        `| ${countdown} s | ${late.length} | ${late[0]} | ${percentile(late, 50)} | ${percentile(late, 99)} | ${late[late.length - 1]} |`,
    ),
  ].join('\n');
  process.stdout.write(`${table}\n`);
  const out = path.join(__dirname, '..', 'results', 'delays.md');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(
    out,
    `# Delay precision\n\n- date: ${new Date().toISOString()}\n\n${table}\n\n${parkedReport}`,
  );
  await consumer.stop();
  await fleet.close();
}

/** Publishes `count` bench.now messages whose eta is 2 h away, with confirms, in batches. */
async function publishParked(amqpUrl: string, queue: string, count: number): Promise<string> {
  const connection = await amqplib.connect(amqpUrl);
  const channel = await connection.createConfirmChannel();
  const eta = new Date(Date.now() + PARKED_ETA_MS).toISOString();
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const encoded = encodeTaskMessage({ id: `parked-${i}`, task: 'bench.now', args: [], eta });
    channel.publish(queue, queue, encoded.content, {
      contentType: encoded.contentType,
      contentEncoding: encoded.contentEncoding,
      correlationId: encoded.correlationId,
      headers: encoded.headers,
      persistent: true,
    });
    if (i % 5_000 === 4_999) await channel.waitForConfirms();
  }
  await channel.waitForConfirms();
  await connection.close();
  return `${((performance.now() - started) / 1000).toFixed(1)} s to publish`;
}

/** This process's RSS and V8 heap, sampled every 250 ms. */
class MemoryWatch {
  private readonly rssBefore = process.memoryUsage().rss;
  private readonly heapBefore = process.memoryUsage().heapUsed;
  private peak = this.rssBefore;
  private readonly timer = setInterval(() => {
    this.peak = Math.max(this.peak, process.memoryUsage().rss);
  }, 250);

  stop() {
    clearInterval(this.timer);
    const now = process.memoryUsage();
    const mb = (bytes: number) => bytes / 1_048_576;
    return {
      rssBefore: mb(this.rssBefore),
      rssPeak: mb(Math.max(this.peak, now.rss)),
      rssAfter: mb(now.rss),
      heapBefore: mb(this.heapBefore),
      heapAfter: mb(now.heapUsed),
    };
  }
}

/** A vhost of the bench's own on the broker of `amqpUrl`, through its management API. */
class OwnVhost {
  private constructor(
    private readonly api: string,
    private readonly auth: string,
    private readonly name: string,
    readonly amqpUrl: string,
  ) {}

  static async create(amqpUrl: string, name: string): Promise<OwnVhost> {
    const url = new URL(amqpUrl);
    const port = process.env.BURROW_STACK_MGMT_PORT ?? '15672';
    const api = `http://${url.hostname}:${port}/api`;
    const user = decodeURIComponent(url.username || 'guest');
    const auth = `Basic ${Buffer.from(`${user}:${decodeURIComponent(url.password || 'guest')}`).toString('base64')}`;
    const own = new URL(amqpUrl);
    own.pathname = `/${encodeURIComponent(name)}`;
    const vhost = new OwnVhost(api, auth, name, own.toString());
    await vhost.call('PUT', `/vhosts/${name}`);
    await vhost.call('PUT', `/permissions/${name}/${encodeURIComponent(user)}`, {
      configure: '.*',
      write: '.*',
      read: '.*',
    });
    return vhost;
  }

  remove(): Promise<void> {
    return this.call('DELETE', `/vhosts/${this.name}`);
  }

  private async call(method: string, route: string, body?: object): Promise<void> {
    const response = await fetch(`${this.api}${route}`, {
      method,
      headers: { authorization: this.auth, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (!response.ok && response.status !== 404)
      throw new Error(
        `management API ${method} ${route}: ${response.status} ${await response.text()}`,
      );
  }
}

main().catch((err: Error) => {
  process.stderr.write(`delay sweep failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
