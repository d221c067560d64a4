import amqp, {
  type AmqpConnectionManager,
  type ChannelWrapper,
  type ConnectionUrl,
} from 'amqp-connection-manager';
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import type { Logger } from '../logging';
import { redactUrl } from '../config';
import { ConfigError } from '../errors';
import { applyTopology, type Topology } from './topology';
import { declareTopologyOnce } from './topology-check';

export interface BrokerConnectionOptions {
  readonly url: string;
  /**
   * The cluster's nodes, tried in turn on every (re)connect until one answers; amqps:// URLs
   * may carry TLS files as RabbitMQ URI query parameters (`cacertfile`, `certfile`, `keyfile`,
   * `verify=verify_none`, `server_name_indication`).
   * @default [url]
   */
  readonly urls?: readonly string[];
  readonly logger: Logger;
  /** Declared on every connect, before anything is published or consumed. */
  readonly topology: Topology;
  /** @default 15 */
  readonly heartbeatSeconds?: number;
  /** Connection name shown in the management UI. */
  readonly connectionName?: string;
}

/**
 * One AMQP connection that comes back by itself after a broker restart. Channels made from it
 * re-run their setup (topology, consumers) on every reconnect.
 */
export class BrokerConnection extends EventEmitter {
  private constructor(
    private readonly manager: AmqpConnectionManager,
    private readonly options: BrokerConnectionOptions,
  ) {
    super();
  }

  /**
   * Starts connecting; resolves once connected the first time and the topology is declared, or
   * rejects after `timeoutMs`, or with a TopologyMismatchError when the broker refuses the
   * topology (queues declared otherwise, e.g. by Celery).
   */
  static async connect(
    options: BrokerConnectionOptions,
    timeoutMs = 30_000,
  ): Promise<BrokerConnection> {
    const urls = options.urls?.length ? options.urls : [options.url];
    const endpoints = await Promise.all(urls.map((url) => brokerEndpoint(url, options)));
    const manager = amqp.connect(endpoints, { reconnectTimeInSeconds: 1 });
    const connection = new BrokerConnection(manager, options);
    const { logger } = options;
    let everConnected = false;
    manager.on('connect', ({ url }) => {
      // Which node of the list answered, so a failover shows in the log.
      logger.info(everConnected ? 'broker reconnected' : 'broker connected', {
        broker: typeof url === 'string' ? nodeAddress(url) : url.hostname,
        cluster: manager.connection?.connection.serverProperties.cluster_name,
      });
      everConnected = true;
      connection.emit('connect');
    });
    manager.on('disconnect', ({ err }) => {
      logger.warn('broker connection lost; reconnecting', { error: err?.message });
      connection.emit('disconnect');
    });
    manager.on('connectFailed', ({ err, url }) => {
      logger.warn(
        urls.length > 1
          ? 'broker connection failed; trying the next node'
          : 'broker connection failed; retrying',
        { broker: typeof url === 'string' ? nodeAddress(url) : undefined, error: err?.message },
      );
    });
    manager.on('blocked', ({ reason }) => logger.warn('broker blocked publishing', { reason }));
    manager.on('unblocked', () => logger.info('broker unblocked publishing'));
    try {
      await manager.connect({ timeout: timeoutMs });
    } catch (err) {
      await manager.close().catch(() => undefined);
      throw new Error(
        `cannot reach RabbitMQ at ${urls.map(redactUrl).join(', ')} within ${timeoutMs / 1000}s: ${(err as Error).message}`,
      );
    }
    try {
      const current = manager.connection;
      if (!current) throw new Error('the broker connection closed while starting');
      await declareTopologyOnce(current, options.topology);
    } catch (err) {
      await manager.close().catch(() => undefined);
      throw err;
    }
    return connection;
  }

  get isConnected(): boolean {
    return this.manager.isConnected();
  }

  /** The live amqplib connection, for parts that manage their own channels (the consumer). */
  get current(): ChannelModel | undefined {
    return this.manager.connection;
  }

  get topology(): Topology {
    return this.options.topology;
  }

  /**
   * A confirm channel whose setup declares the topology and then runs `setup` (consumers, QoS)
   * on every (re)connect.
   */
  createChannel(
    name: string,
    setup?: (channel: ConfirmChannel) => Promise<void>,
    publishTimeoutMs?: number,
  ): ChannelWrapper {
    const { topology, logger } = this.options;
    const wrapper = this.manager.createChannel({
      name,
      confirm: true,
      ...(publishTimeoutMs ? { publishTimeout: publishTimeoutMs } : {}),
      setup: async (channel: ConfirmChannel) => {
        channel.on('error', (err: Error) =>
          logger.warn('channel error', { channel: name, error: err.message }),
        );
        await applyTopology(channel, topology);
        if (setup) await setup(channel);
      },
    });
    // A setup that fails (topology refused, connection closed mid-setup) is reported here; an
    // 'error' event without a listener would crash the process.
    wrapper.on('error', (err: Error) =>
      logger.warn('channel setup failed; retried on the next connection', {
        channel: name,
        error: err.message,
      }),
    );
    return wrapper;
  }

  async close(): Promise<void> {
    await this.manager.close();
  }
}

/** RabbitMQ URI query parameters for TLS, which amqplib does not read itself. */
const TLS_QUERY_PARAMETERS = [
  'cacertfile',
  'certfile',
  'keyfile',
  'verify',
  'server_name_indication',
] as const;

/**
 * One node as amqp-connection-manager takes it: the URL with our heartbeat and without the TLS
 * query parameters, and socket options carrying the connection name and, for amqps://, the CA,
 * client certificate and verification those parameters asked for.
 */
async function brokerEndpoint(
  raw: string,
  options: BrokerConnectionOptions,
): Promise<Extract<ConnectionUrl, { url: string }>> {
  const url = new URL(raw);
  const param = (name: (typeof TLS_QUERY_PARAMETERS)[number]) => url.searchParams.get(name) || '';
  const [ca, cert, key] = await Promise.all([
    readPem(param('cacertfile'), 'CA file (cacertfile)', raw),
    readPem(param('certfile'), 'client certificate (certfile)', raw),
    readPem(param('keyfile'), 'client key (keyfile)', raw),
  ]);
  const tls =
    url.protocol === 'amqps:'
      ? {
          ...(ca ? { ca } : {}),
          ...(cert ? { cert } : {}),
          ...(key ? { key } : {}),
          ...(param('verify') === 'verify_none' ? { rejectUnauthorized: false } : {}),
          ...(param('server_name_indication')
            ? { servername: param('server_name_indication') }
            : {}),
        }
      : {};
  for (const name of TLS_QUERY_PARAMETERS) url.searchParams.delete(name);
  url.searchParams.set('heartbeat', String(options.heartbeatSeconds ?? 15));
  return {
    url: url.toString(),
    connectionOptions: {
      clientProperties: { connection_name: options.connectionName ?? 'burrow' },
      ...tls,
    },
  };
}

async function readPem(file: string, what: string, url: string): Promise<Buffer | undefined> {
  if (!file) return undefined;
  try {
    return await readFile(file);
  } catch (err) {
    throw new ConfigError(
      `cannot read the TLS ${what} ${file} of ${redactUrl(url)}: ${(err as Error).message}`,
    );
  }
}

/** The node a URL names, for logs: scheme, user, host, port and vhost; no password or query. */
function nodeAddress(url: string): string {
  const parsed = new URL(url);
  parsed.search = '';
  return redactUrl(parsed.toString());
}
