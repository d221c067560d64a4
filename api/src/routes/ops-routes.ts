import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

/** `/healthz`, `/readyz` and `/metrics` on the API's own port, as every burrow process has them. */
export function registerOpsRoutes(
  app: FastifyInstance,
  deps: { readonly registry: Registry; readonly ready: () => boolean },
): void {
  app.get('/healthz', async (_request, reply) => reply.type('text/plain').send('ok\n'));
  app.get('/readyz', async (_request, reply) => {
    const ok = deps.ready();
    return reply
      .code(ok ? 200 : 503)
      .type('text/plain')
      .send(ok ? 'ready\n' : 'not ready\n');
  });
  app.get('/metrics', async (_request, reply) =>
    reply.type(deps.registry.contentType).send(await deps.registry.metrics()),
  );
}
