import type { Redis } from 'ioredis';
import { BrokerConnection, Publisher, type Topology } from './broker';
import type { BurrowConfig } from './config';
import type { Logger } from './logging';
import { connectRedis, type RedisRole } from './redis';
import { RedisResultStore } from './results';

/** The parts of the process configuration a fleet connection reads. */
export type FleetConfig = Pick<BurrowConfig, 'redis' | 'results' | 'publish'> & {
  /** `urls` (the cluster's nodes, for failover) defaults to `[url]`. */
  readonly rabbitmq: Pick<BurrowConfig['rabbitmq'], 'url' | 'heartbeatSeconds'> &
    Partial<Pick<BurrowConfig['rabbitmq'], 'urls'>>;
};

export interface FleetOptions {
  /** Declared on every (re)connect, before anything is published or consumed. */
  readonly topology: Topology;
  /** Shown in the RabbitMQ management UI, e.g. "burrow@host worker". */
  readonly connectionName: string;
  /**
   * `worker`: Redis commands wait out an outage (results must land); `client`: they fail fast.
   * @default 'client'
   */
  readonly redisRole?: Extract<RedisRole, 'worker' | 'client'>;
  /** Also open a Redis connection for subscriptions (`TaskClient.wait`). @default false */
  readonly subscriber?: boolean;
  /** How long the first broker connection may take. @default 30000 */
  readonly connectTimeoutMs?: number;
}

/** One process's connections to the fleet's brokers. */
export interface FleetConnection {
  readonly connection: BrokerConnection;
  readonly publisher: Publisher;
  readonly redis: Redis;
  readonly results: RedisResultStore;
  /** Present when asked for with `subscriber: true`. */
  readonly subscriber: Redis | null;
  /** Publisher, then broker connection, then Redis; each step runs even if one before failed. */
  close(): Promise<void>;
}

/**
 * The one way a burrow process connects: worker, scheduler, CLI, tests and benches all get
 * their broker connection, confirmed publisher, Redis and result store from here, so they
 * reconnect, time out and close the same way.
 */
export async function connectFleet(
  config: FleetConfig,
  logger: Logger,
  options: FleetOptions,
): Promise<FleetConnection> {
  const connection = await BrokerConnection.connect(
    {
      url: config.rabbitmq.url,
      ...(config.rabbitmq.urls ? { urls: config.rabbitmq.urls } : {}),
      logger,
      topology: options.topology,
      heartbeatSeconds: config.rabbitmq.heartbeatSeconds,
      connectionName: options.connectionName,
    },
    options.connectTimeoutMs,
  );
  const opened: { publisher?: Publisher; redis?: Redis; subscriber?: Redis } = {};
  const close = async () => {
    await opened.publisher?.close().catch(() => undefined);
    await connection.close().catch(() => undefined);
    opened.subscriber?.disconnect();
    opened.redis?.disconnect();
  };
  try {
    opened.publisher = await Publisher.create(connection, {
      timeoutMs: config.publish.timeoutSeconds * 1000,
      maxBuffered: config.publish.maxBuffered,
    });
    opened.redis = await connectRedis(config.redis, options.redisRole ?? 'client', logger);
    if (options.subscriber)
      opened.subscriber = await connectRedis(config.redis, 'subscriber', logger);
  } catch (err) {
    await close();
    throw err;
  }
  return {
    connection,
    publisher: opened.publisher,
    redis: opened.redis,
    results: new RedisResultStore(opened.redis, {
      expiresSeconds: config.results.expiresSeconds,
      keyPrefix: config.redis.keyPrefix,
    }),
    subscriber: opened.subscriber ?? null,
    close,
  };
}
