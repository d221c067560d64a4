import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface OpsServerOptions {
  readonly port: number;
  readonly registry: Registry;
  /** Process is alive (event loop turning). */
  readonly live?: () => boolean;
  /** Process can do its job now: brokers connected, consuming. */
  readonly ready: () => boolean;
  /** @default '0.0.0.0' */
  readonly host?: string;
}

/** `/metrics`, `/healthz` and `/readyz` for Prometheus and Kubernetes probes. */
export async function startOpsServer(
  options: OpsServerOptions,
): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, body: string, type = 'text/plain') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => reply(200, text, options.registry.contentType),
        (err: Error) => reply(500, err.message),
      );
    } else if (path === '/healthz') {
      const ok = options.live?.() ?? true;
      reply(ok ? 200 : 503, ok ? 'ok\n' : 'not live\n');
    } else if (path === '/readyz') {
      const ok = options.ready();
      reply(ok ? 200 : 503, ok ? 'ready\n' : 'not ready\n');
    } else {
      reply(404, 'not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
