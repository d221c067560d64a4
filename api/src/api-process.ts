import type { AddressInfo } from 'node:net';
import { CATALOGUE, QUEUES } from '@burrow/contracts';
import {
  ControlClient,
  TaskClient,
  connectFleet,
  EMPTY_TOPOLOGY,
  storeRevocations,
  type BurrowConfig,
  type FleetConnection,
  type Logger,
} from '@burrow/shared';
import type { ApiConfig } from './api-config';
import { KeyRing } from './api-keys';
import { ApiMetrics } from './api-metrics';
import { buildApiServer } from './api-server';
import { startDashboard } from './dashboard/dashboard';
import { IdempotencyStore } from './idempotency';
import { renderOpenApi } from './openapi';
import { RateLimiter } from './rate-limiter';
import { ResultWaiter } from './result-waiter';
import type { Revoke } from './routes/task-routes';
import { SubmissionStore } from './submissions';
import { TaskNames } from './task-names';

export interface ApiProcess {
  /** The port listened on (API_PORT, or the one the OS chose for 0). */
  readonly port: number;
  /** Stops taking requests, lets the ones in flight finish, then closes the fleet connection. */
  stop(): Promise<void>;
}

/** Connects to the fleet as a client (with a subscriber for long-polls) and serves the API. */
export async function runApiProcess(
  config: BurrowConfig,
  apiConfig: ApiConfig,
  logger: Logger,
): Promise<ApiProcess> {
  const fleet = await connectFleet(config, logger, {
    // Declares nothing: the queues are their workers' (burrow's or, while switching over, Python's).
    topology: EMPTY_TOPOLOGY,
    connectionName: 'burrow-api',
    redisRole: 'client',
    subscriber: true,
  });
  let closeDashboard: (() => Promise<void>) | undefined;
  try {
    const { publisher, redis, results } = fleet;
    const subscriber = fleet.subscriber!;
    const keyPrefix = config.redis.keyPrefix;
    const waiter = new ResultWaiter(results, subscriber);
    let stopping = false;
    const metrics = new ApiMetrics({ service: 'api' });
    metrics.trackLongPolls(() => waiter.waiting);
    const dashboard = await startDashboard({
      connection: fleet.connection,
      redis,
      results,
      brokerUrls: config.rabbitmq.urls,
      keyPrefix,
      queues: QUEUES,
      config: apiConfig.dashboard,
      logger,
    });
    closeDashboard = () => dashboard.close();
    const app = buildApiServer({
      client: new TaskClient({ publisher, results, subscriber, origin: 'burrow-api' }),
      results,
      waiter,
      submissions: new SubmissionStore(redis, {
        keyPrefix,
        ttlSeconds: config.results.expiresSeconds,
      }),
      idempotency: new IdempotencyStore(redis, {
        keyPrefix,
        ttlSeconds: apiConfig.idempotencyTtlSeconds,
      }),
      limiter: new RateLimiter(redis, keyPrefix),
      keys: new KeyRing(apiConfig.keys, apiConfig.allowAnonymous),
      names: new TaskNames(CATALOGUE),
      metrics,
      logger,
      openapi: renderOpenApi(CATALOGUE),
      revoke: fleetRevoke(fleet, config),
      dashboard: dashboard.sources,
      ready: () =>
        fleet.connection.isConnected && redis.status === 'ready' && subscriber.status === 'ready',
      stopping: () => stopping,
      bodyLimitBytes: apiConfig.bodyLimitBytes,
      maxWaitSeconds: apiConfig.maxWaitSeconds,
    });
    await app.listen({ port: apiConfig.port, host: apiConfig.host });
    const port = (app.server.address() as AddressInfo).port;
    return {
      port,
      stop: async () => {
        // Stop listening, answer the long-polls with what is stored, let the rest finish.
        stopping = true;
        const closed = app.close();
        waiter.releaseAll();
        await closed;
        await dashboard.close();
        await fleet.close();
      },
    };
  } catch (err) {
    await closeDashboard?.();
    await fleet.close();
    throw err;
  }
}

/**
 * Celery's `revoke`, as `burrow revoke` does it: stored in Redis first, where every worker (even
 * one started later) reads it, then broadcast on the pidbox so running workers act at once.
 */
function fleetRevoke(fleet: FleetConnection, config: BurrowConfig): Revoke {
  return async (ids, terminate) => {
    await storeRevocations(
      fleet.redis,
      config.redis.keyPrefix,
      ids,
      config.worker.revokeExpiresSeconds,
    );
    const amqp = fleet.connection.current;
    if (!amqp) return;
    const control = await ControlClient.open(amqp);
    try {
      await control.broadcast('revoke', {
        arguments: { task_id: [...ids], terminate, signal: 'SIGTERM' },
        reply: false,
      });
    } finally {
      await control.close();
    }
  };
}
