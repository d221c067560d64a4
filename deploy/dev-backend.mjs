// A stand-in for the product backend in the local fleet, so a fresh fleet's scheduled tasks
// (exchange rates, digest trigger, nightly backup trigger, health probes) have something to
// call: it answers every /health/* and POST with 200, the notification queue with an empty
// batch, a user's devices with none, prints one line per request, and keeps the last 200 at
// /requests (JSON). Nothing is stored or acted on. SIGINT/SIGTERM stop it.
import http from 'node:http';

const port = Number(process.env.DEV_BACKEND_PORT ?? 8010);
const host = process.env.DEV_BACKEND_HOST ?? '127.0.0.1';
const KEEP = 200;
const seen = [];

function answer(method, path) {
  if (path.startsWith('/health/')) return { status: 'ok' };
  if (method === 'GET' && path.startsWith('/internal/notifications/pending'))
    return { notifications: [], remaining: 0 };
  if (method === 'GET' && /^\/internal\/users\/[^/]+\/devices/.test(path)) return { tokens: [] };
  return { ok: true, dev_backend: true };
}

const server = http.createServer((req, res) => {
  let size = 0;
  req.on('data', (chunk) => (size += chunk.length));
  req.on('end', () => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/requests') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(seen));
      return;
    }
    const entry = {
      at: new Date().toISOString(),
      method: req.method,
      url: req.url,
      bytes: size,
      idempotencyKey: req.headers['idempotency-key'] ?? null,
    };
    seen.push(entry);
    if (seen.length > KEEP) seen.shift();
    console.log(`${entry.method} ${entry.url} (${size} B)`);
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify(answer(req.method, path)));
  });
});

server.listen(port, host, () => console.log(`dev backend on http://${host}:${port}/`));
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => server.close(() => process.exit(0)));
