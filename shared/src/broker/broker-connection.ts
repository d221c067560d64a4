import amqp, { type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { EventEmitter } from 'node:events';
import type { Logger } from '../logging';
import { redactUrl } from '../config';
import { applyTopology, type Topology } from './topology';
import { declareTopologyOnce } from './topology-check';

export interface BrokerConnectionOptions {
  readonly url: string;
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
    const url = new URL(options.url);
    url.searchParams.set('heartbeat', String(options.heartbeatSeconds ?? 15));
    const manager = amqp.connect([url.toString()], {
      reconnectTimeInSeconds: 1,
      connectionOptions: {
        clientProperties: { connection_name: options.connectionName ?? 'burrow' },
      },
    });
    const connection = new BrokerConnection(manager, options);
    const { logger } = options;
    let everConnected = false;
    manager.on('connect', () => {
      logger.info(everConnected ? 'broker reconnected' : 'broker connected', {
        broker: redactUrl(options.url),
      });
      everConnected = true;
      connection.emit('connect');
    });
    manager.on('disconnect', ({ err }) => {
      logger.warn('broker connection lost; reconnecting', { error: err?.message });
      connection.emit('disconnect');
    });
    manager.on('connectFailed', ({ err }) => {
      logger.warn('broker connection failed; retrying', { error: err?.message });
    });
    manager.on('blocked', ({ reason }) => logger.warn('broker blocked publishing', { reason }));
    manager.on('unblocked', () => logger.info('broker unblocked publishing'));
    try {
      await manager.connect({ timeout: timeoutMs });
    } catch (err) {
      await manager.close().catch(() => undefined);
      throw new Error(
        `cannot reach RabbitMQ at ${redactUrl(options.url)} within ${timeoutMs / 1000}s: ${(err as Error).message}`,
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
