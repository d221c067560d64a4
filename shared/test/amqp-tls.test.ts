import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BrokerConnection,
  ConfigError,
  TaskClient,
  connectFleet,
  createLogger,
  loadConfig,
  taskQueuesTopology,
  type LogFields,
  type Logger,
} from '../src';
import { deleteQueues, spawnFixtureWorker } from '../../testing/fixture-worker';
import { makeTestTlsFiles, type TestTlsFiles } from '../../testing/redis-tls-certs';
import { AMQP_URL, REDIS_URL, uniqueName } from '../../testing/stack';
import { startTlsProxy, type TlsProxy } from '../../testing/tls-proxy';
import type { WorkerProcess } from '../../testing/worker-process';

describe('loadConfig: RABBITMQ_URLS and RABBITMQ_TLS_*', () => {
  it('takes the node list over RABBITMQ_URL and the parts; the first node is `url`', () => {
    const config = loadConfig({
      RABBITMQ_URLS: ' amqp://a:1/v, amqp://b:2/v ,,amqp://c:3/v',
      RABBITMQ_URL: 'amqp://single:9/v',
      RABBITMQ_HOST: 'parts',
    });
    expect(config.rabbitmq.urls).toEqual(['amqp://a:1/v', 'amqp://b:2/v', 'amqp://c:3/v']);
    expect(config.rabbitmq.url).toBe('amqp://a:1/v');
  });

  it('keeps a single RABBITMQ_URL (or the parts) as a list of one', () => {
    expect(loadConfig({ RABBITMQ_URL: 'amqp://u:p@h:1/v' }).rabbitmq.urls).toEqual([
      'amqp://u:p@h:1/v',
    ]);
    expect(loadConfig({ RABBITMQ_HOST: 'mq' }).rabbitmq.urls).toEqual([
      'amqp://guest:guest@mq:5672/%2F',
    ]);
  });

  it('adds the TLS files to amqps:// URLs as RabbitMQ URI parameters; a URL keeps its own', () => {
    const { urls } = loadConfig({
      RABBITMQ_URLS: 'amqps://a:5671/v,amqps://b:5671/v?cacertfile=/own/ca.pem,amqp://c:5672/v',
      RABBITMQ_TLS_CA_FILE: '/etc/burrow/ca.pem',
      RABBITMQ_TLS_CERT_FILE: '/etc/burrow/client.pem',
      RABBITMQ_TLS_KEY_FILE: '/etc/burrow/client.key',
      RABBITMQ_TLS_REJECT_UNAUTHORIZED: 'false',
    }).rabbitmq;
    const params = urls.map((url) => Object.fromEntries(new URL(url).searchParams));
    expect(params[0]).toEqual({
      cacertfile: '/etc/burrow/ca.pem',
      certfile: '/etc/burrow/client.pem',
      keyfile: '/etc/burrow/client.key',
      verify: 'verify_none',
    });
    expect(params[1]?.cacertfile).toBe('/own/ca.pem');
    expect(urls[2]).toBe('amqp://c:5672/v');
  });

  it.each([
    [{ RABBITMQ_URLS: ' , ' }, /RABBITMQ_URLS: lists no URL/],
    [{ RABBITMQ_URLS: 'amqp://a:1/,http://b:2/' }, /RABBITMQ_URLS: expected amqp:\/\/ or amqps/],
    [{ RABBITMQ_URL: 'not a url' }, /RABBITMQ_URL: not a URL/],
    [
      { RABBITMQ_URL: 'amqps://a/', RABBITMQ_TLS_CERT_FILE: '/c.pem' },
      /RABBITMQ_TLS_CERT_FILE, RABBITMQ_TLS_KEY_FILE: a client certificate needs both/,
    ],
    [{ RABBITMQ_TLS_CA_FILE: '/ca.pem' }, /no broker URL is amqps:\/\//],
  ])('fails naming the variable: %o', (env, pattern) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(pattern);
  });
});

/** Records what a broker connection logs. */
function recordingLogger(lines: { message: string; fields: LogFields }[]): Logger {
  const log = (message: string, fields: LogFields = {}) => lines.push({ message, fields });
  const logger: Logger = { error: log, warn: log, info: log, debug: () => {}, child: () => logger };
  return logger;
}

const emptyTopology = { exchanges: [], queues: [], bindings: [], exchangeBindings: [] };

/**
 * A real TLS handshake by amqplib: a TLS listener with a throwaway CA's certificate, asking for
 * client certificates, in front of the local RabbitMQ.
 */
describe('AMQP over TLS (amqps:// through a TLS listener in front of RabbitMQ)', () => {
  const queue = uniqueName('tls');
  let dir: string;
  let files: TestTlsFiles;
  let proxy: TlsProxy;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-amqp-tls-'));
    files = await makeTestTlsFiles(dir);
    proxy = await startTlsProxy({
      targetPort: Number(new URL(AMQP_URL).port || 5672),
      certFile: files.serverCertFile,
      keyFile: files.serverKeyFile,
      caFile: files.caFile,
    });
  });
  afterAll(async () => {
    worker?.kill('SIGKILL');
    await proxy?.close();
    await deleteQueues(queue, `${queue}.dead`);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs a task sent over TLS by a worker connected over TLS, both with client certificates', async () => {
    const env = {
      RABBITMQ_URL: `amqps://guest:guest@127.0.0.1:${proxy.port}/`,
      RABBITMQ_TLS_CA_FILE: files.caFile,
      RABBITMQ_TLS_CERT_FILE: files.clientCertFile,
      RABBITMQ_TLS_KEY_FILE: files.clientKeyFile,
    };
    worker = spawnFixtureWorker(queue, env);
    await worker.waitForLine(/worker ready/, 60_000);
    const config = loadConfig({ ...env, REDIS_URL });
    const fleet = await connectFleet(config, createLogger({ service: 'tls', silent: true }), {
      topology: taskQueuesTopology([queue]),
      connectionName: 'tls test client',
      subscriber: true,
    });
    try {
      const client = new TaskClient({
        publisher: fleet.publisher,
        results: fleet.results,
        subscriber: fleet.subscriber!,
      });
      const id = await client.send('fixtures.add', { x: 2, y: 3 }, { queue });
      expect(await client.wait(id, 20_000)).toBe(5);
    } finally {
      await fleet.close();
    }
    // The worker's connections and the client's each made a verified handshake.
    expect(proxy.handshakes.length).toBeGreaterThanOrEqual(2);
    expect(new Set(proxy.handshakes)).toEqual(new Set(['burrow client']));
    const connected = worker
      .output()
      .split('\n')
      .filter((line) => line.includes('"broker connected"'));
    expect(connected[0]).toContain(`"broker":"amqps://guest:***@127.0.0.1:${proxy.port}/"`);
  });

  it('refuses a broker whose certificate its CA did not sign', async () => {
    const lines: { message: string; fields: LogFields }[] = [];
    const url = `amqps://127.0.0.1:${proxy.port}/?cacertfile=${files.strangerCaFile}&certfile=${files.clientCertFile}&keyfile=${files.clientKeyFile}`;
    await expect(
      BrokerConnection.connect(
        { url, logger: recordingLogger(lines), topology: emptyTopology },
        3_000,
      ),
    ).rejects.toThrow(/cannot reach RabbitMQ/);
    const failure = lines.find((l) => l.message.startsWith('broker connection failed'));
    expect(String(failure?.fields.error)).toMatch(/certificate/);
  });

  it('is refused by a listener that asks for a client certificate when it has none', async () => {
    const before = proxy.handshakes.length;
    const failuresBefore = proxy.failures.length;
    const url = `amqps://127.0.0.1:${proxy.port}/?cacertfile=${files.caFile}`;
    await expect(
      BrokerConnection.connect(
        { url, logger: recordingLogger([]), topology: emptyTopology },
        3_000,
      ),
    ).rejects.toThrow(/cannot reach RabbitMQ/);
    expect(proxy.handshakes.length).toBe(before);
    expect(proxy.failures.length).toBeGreaterThan(failuresBefore);
  });

  it('names the file it cannot read', async () => {
    const url = `amqps://127.0.0.1:${proxy.port}/?cacertfile=${path.join(dir, 'missing.pem')}`;
    await expect(
      BrokerConnection.connect({ url, logger: recordingLogger([]), topology: emptyTopology }),
    ).rejects.toThrow(/cannot read the TLS CA file \(cacertfile\) .*missing\.pem/);
  });
});
