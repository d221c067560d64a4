import type { Logger, RedisResultStore, TaskClient } from '@burrow/shared';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { describeFrameworkError, sendError } from './api-errors';
import { presentedKey, type Caller, type KeyRing } from './api-keys';
import type { ApiMetrics } from './api-metrics';
import type { DashboardSources } from './dashboard/dashboard';
import type { IdempotencyStore } from './idempotency';
import type { RateLimiter } from './rate-limiter';
import type { ResultWaiter } from './result-waiter';
import { registerDashboardRoutes } from './routes/dashboard-routes';
import { registerDocsRoutes } from './routes/docs-routes';
import { registerOpsRoutes } from './routes/ops-routes';
import { registerSubmitRoute } from './routes/submit-route';
import { registerTaskRoutes, type Revoke } from './routes/task-routes';
import type { SubmissionStore } from './submissions';
import type { TaskNames } from './task-names';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the request acts as; set by the key check before any /api handler runs. */
    caller: Caller;
  }
}

/** Everything the HTTP layer needs, built by the process (or a test) and passed in. */
export interface ApiServerDeps {
  readonly client: TaskClient;
  readonly results: RedisResultStore;
  readonly waiter: ResultWaiter;
  readonly submissions: SubmissionStore;
  readonly idempotency: IdempotencyStore;
  readonly limiter: RateLimiter;
  readonly keys: KeyRing;
  readonly names: TaskNames;
  readonly metrics: ApiMetrics;
  readonly logger: Logger;
  readonly openapi: Record<string, unknown>;
  readonly revoke: Revoke | null;
  readonly ready: () => boolean;
  /** The dashboard's sources; without them `/` redirects to the docs. @default null */
  readonly dashboard?: DashboardSources | null;
  /**
   * True once the process is stopping: answers then carry `Connection: close`, so a client's
   * keep-alive connection does not hold the server's close open. @default never
   */
  readonly stopping?: () => boolean;
  /** @default 1048576 */
  readonly bodyLimitBytes?: number;
  /** @default 60 */
  readonly maxWaitSeconds?: number;
}

/** The Fastify app with every route; not listening yet (the process or a test calls listen). */
export function buildApiServer(deps: ApiServerDeps): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: deps.bodyLimitBytes ?? 1_048_576,
    // The seed writes `/api/tasks/email/`; both spellings reach the same route.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Long-polls hold requests open; do not let a slow client hold one forever otherwise.
    requestTimeout: ((deps.maxWaitSeconds ?? 60) + 30) * 1000,
  });
  // Fastify wants null (not an object shared by every request); the /api hook always sets it.
  app.decorateRequest('caller', null as unknown as Caller);
  acceptEmptyJson(app);

  app.addHook('onRequest', async (request, reply) => {
    // By the route matched, not the raw URL: `/%61pi/tasks` routes to /api/tasks too.
    if (!request.routeOptions.url?.startsWith('/api/')) return;
    return authorize(request, reply, deps);
  });
  app.addHook('onSend', async (_request, reply) => {
    if (deps.stopping?.()) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (request, reply) => {
    deps.metrics.recordRequest(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
  });
  app.setErrorHandler(
    async (err: Error & { code?: string; statusCode?: number }, request, reply) => {
      const { status, code, message } = describeFrameworkError(err);
      if (status >= 500)
        deps.logger.error('request failed', {
          url: request.url,
          error: err.message,
          stack: err.stack,
        });
      return sendError(reply, status, code, message);
    },
  );
  app.setNotFoundHandler(async (request, reply) =>
    sendError(reply, 404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`),
  );

  registerOpsRoutes(app, { registry: deps.metrics.registry, ready: deps.ready });
  registerDocsRoutes(app, deps.openapi);
  if (deps.dashboard) registerDashboardRoutes(app, deps.dashboard);
  else app.get('/', async (_request, reply) => reply.redirect('/docs'));
  registerSubmitRoute(app, deps);
  registerTaskRoutes(app, { ...deps, maxWaitSeconds: deps.maxWaitSeconds ?? 60 });
  return app;
}

/** Key check, then the key's rate limit: 401, or 429 with Retry-After. */
async function authorize(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: ApiServerDeps,
): Promise<FastifyReply | undefined> {
  const auth = deps.keys.authenticate(presentedKey(request.headers));
  if (!auth.ok) {
    reply.header('www-authenticate', 'Bearer');
    return auth.reason === 'missing_key'
      ? sendError(reply, 401, 'missing_key', 'send an API key: Authorization: Bearer <key>')
      : sendError(reply, 401, 'invalid_key', 'the API key is not valid');
  }
  request.caller = auth.caller;
  const { name, ratePerSecond, burst } = auth.caller;
  const decision = await deps.limiter.take(name, ratePerSecond, burst);
  if (!decision.allowed) {
    const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    return sendError(
      reply.header('retry-after', String(seconds)),
      429,
      'rate_limited',
      `key ${name} is limited to ${ratePerSecond} requests/s; retry in ${decision.retryAfterMs} ms`,
    );
  }
  return undefined;
}

/**
 * JSON bodies as Fastify parses them, except that an empty body is no kwargs at all: tasks
 * with no required argument (`POST /api/tasks/health-check/`) need no `{}`.
 */
function acceptEmptyJson(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    const body = String(text);
    if (body.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(body));
    } catch (err) {
      done(
        Object.assign(new Error(`the body is not JSON: ${(err as Error).message}`), {
          statusCode: 400,
        }),
        undefined,
      );
    }
  });
}
