/**
 * HTTP API bench: BENCH_API_TASKS email submissions (default 20 000) through a real burrow-api
 * process on loopback, driven by autocannon with BENCH_API_CONNECTIONS connections (default
 * 50), beside the same submissions straight through TaskClient with as many in flight. Both
 * publish with confirms to a private RabbitMQ vhost that nothing consumes (deleted at the end),
 * so the numbers are the cost of the front door, not of the workers. Run: `npm run bench:api`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { QUEUES } from '@burrow/contracts';
import {
  TaskClient,
  connectFleet,
  createLogger,
  delayLevelsTopology,
  mergeTopologies,
  taskQueuesTopology,
} from '@burrow/shared';
import { runAutocannon } from './api-autocannon';
import { grouped } from './format';

const ROOT = path.join(__dirname, '..', '..');
const KWARGS = { to_email: 'bench@example.com', subject: 'Bench', body: 'Hello from the bench' };
const say = (line: string) => process.stdout.write(`${line}\n`);

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name]?.replace(/[_\s]/g, '');
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

function stackPorts(): Record<string, string> {
  const file = path.join(ROOT, '.stack', 'ports.env');
  if (!existsSync(file)) return {};
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => line.split('='))
      .filter((parts): parts is [string, string] => parts.length === 2),
  );
}

/** A vhost of the bench's own, so thousands of test emails reach no one's worker. */
async function privateVhost(amqpPort: string, mgmtPort: string) {
  const name = `bench-api-${randomBytes(4).toString('hex')}`;
  const auth = `Basic ${Buffer.from('guest:guest').toString('base64')}`;
  const call = async (method: string, resource: string, body?: object) => {
    const response = await fetch(`http://127.0.0.1:${mgmtPort}/api/${resource}`, {
      method,
      headers: { authorization: auth, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (!response.ok) throw new Error(`${method} ${resource}: ${response.status}`);
  };
  await call('PUT', `vhosts/${name}`, {});
  await call('PUT', `permissions/${name}/guest`, { configure: '.*', write: '.*', read: '.*' });
  return {
    url: `amqp://guest:guest@127.0.0.1:${amqpPort}/${name}`,
    close: () => call('DELETE', `vhosts/${name}`),
  };
}

/** Starts api/dist/cli/api-cli.js and resolves with its URL once it logs "api ready". */
function startApi(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'api/dist/cli/api-cli.js')], {
    env: { PATH: process.env.PATH ?? '', LOG_FORMAT: 'json', LOG_DIR: '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let text = '';
    child.once('exit', (code) => reject(new Error(`burrow-api exited (${code}) before ready`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const line = text.split('\n').find((l) => l.includes('api ready'));
      if (line) resolve({ url: (JSON.parse(line) as { url: string }).url, child });
    });
  });
}

/** `total` sends through TaskClient, `inFlight` at a time: submissions/s and p99 latency. */
async function directLoad(client: TaskClient, total: number, inFlight: number) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) {
        next += 1;
        const t0 = performance.now();
        await client.send('tasks.email_tasks.send_email_task', KWARGS);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    perSecond: total / seconds,
    p99: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? 0,
  };
}

async function main(): Promise<void> {
  const total = positiveInt('BENCH_API_TASKS', 20_000);
  const connections = positiveInt('BENCH_API_CONNECTIONS', 50);
  const ports = stackPorts();
  const vhost = await privateVhost(ports.AMQP_PORT ?? '5672', ports.MGMT_PORT ?? '15672');
  const redisUrl = process.env.REDIS_URL || `redis://127.0.0.1:${ports.REDIS_PORT ?? 6379}/0`;
  const key = randomBytes(16).toString('hex');
  const env = { RABBITMQ_URL: vhost.url, REDIS_URL: redisUrl, RESULT_EXPIRES: '600' };
  const logger = createLogger({ service: 'bench-api', silent: true });
  const fleet = await connectFleet(
    {
      rabbitmq: { url: vhost.url, heartbeatSeconds: 15 },
      redis: { url: redisUrl, keyPrefix: '' },
      results: { expiresSeconds: 600 },
      publish: { timeoutSeconds: 30, maxBuffered: 10_000 },
    },
    logger,
    {
      topology: mergeTopologies(taskQueuesTopology(QUEUES), delayLevelsTopology(QUEUES)),
      connectionName: 'bench-api direct',
      subscriber: true,
    },
  );
  const api = await startApi({
    ...env,
    API_HOST: '127.0.0.1',
    API_PORT: '0',
    API_KEYS: JSON.stringify([
      { name: 'bench', sha256: createHash('sha256').update(key).digest('hex') },
    ]),
  });
  try {
    const { publisher, results } = fleet;
    const client = new TaskClient({ publisher, results, subscriber: fleet.subscriber! });
    say(`${grouped(total)} email submissions, ${connections} at a time, loopback`);
    // A short warm-up of each path (JIT, connections), not counted.
    await directLoad(client, 1_000, connections);
    const load = {
      url: `${api.url}/api/tasks/email/`,
      method: 'POST' as const,
      connections,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify(KWARGS),
    };
    await runAutocannon({ ...load, amount: 1_000 });
    const http = await runAutocannon({ ...load, amount: total });
    const direct = await directLoad(client, total, connections);
    const httpRate = http['2xx'] / http.duration;
    say('');
    say('| path | submissions/s | p99 latency | non-2xx |');
    say('|---|---:|---:|---:|');
    say(
      `| HTTP API (autocannon) | ${grouped(Math.round(httpRate))} | ${http.latency.p99} ms | ${http.non2xx + http.errors} |`,
    );
    say(
      `| TaskClient (direct) | ${grouped(Math.round(direct.perSecond))} | ${direct.p99.toFixed(1)} ms | 0 |`,
    );
    say('');
    say(
      `HTTP / direct: ${(httpRate / direct.perSecond).toFixed(2)}× the submissions/s, ${(http.latency.p99 / direct.p99).toFixed(2)}× the p99`,
    );
  } finally {
    api.child.kill('SIGTERM');
    await fleet.close();
    await vhost.close();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench:api: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
