// Supervises the local fleet: one burrow-worker per catalogue queue (and a local mail catcher),
// each restarted with backoff when it exits unexpectedly (a crash, or the memory cap asking for
// a fresh process).
// SIGINT/SIGTERM stops them all gracefully and exits 0 once every worker has exited.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const portsFile = path.join(root, '.stack', 'ports.env');
const ports = fs.existsSync(portsFile)
  ? Object.fromEntries(
      fs
        .readFileSync(portsFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('=')),
    )
  : {};
const env = {
  ...process.env,
  RABBITMQ_PORT: process.env.RABBITMQ_PORT ?? ports.AMQP_PORT ?? '5672',
  REDIS_PORT: process.env.REDIS_PORT ?? ports.REDIS_PORT ?? '6379',
};

const queues = (process.env.FLEET_QUEUES ?? 'email,notifications,data_processing,cleanup').split(
  ',',
);
const metricsBase = Number(process.env.FLEET_METRICS_PORT ?? 9101);
const programs = queues.map((queue, i) => ({
  name: `worker:${queue}`,
  args: [
    path.join(root, 'workers/dist/cli/worker-cli.js'),
    '--queues',
    queue,
    '--name',
    `${queue}@${process.env.HOSTNAME ?? 'local'}`,
  ],
  env: { WORKER_HTTP_PORT: String(metricsBase + i) },
}));

// A mail catcher on SMTP_PORT (1025) with a page on 8025, so sent mails can be seen, unless
// SMTP_HOST points at a real server elsewhere (or FLEET_MAIL_CATCHER=0).
const smtpHost = process.env.SMTP_HOST ?? 'localhost';
if (
  process.env.FLEET_MAIL_CATCHER !== '0' &&
  ['localhost', '127.0.0.1', '::1'].includes(smtpHost)
) {
  const catcherHost = smtpHost === '::1' ? '::1' : '127.0.0.1';
  env.SMTP_HOST = catcherHost; // the workers send to exactly where the catcher listens
  programs.push({
    name: 'mail-catcher',
    args: [path.join(root, 'deploy/mail-catcher.mjs')],
    env: { MAIL_CATCHER_HOST: catcherHost },
  });
}

// A stand-in backend on DEV_BACKEND_PORT (8010) that answers every call with 200, so the
// scheduled tasks of a fresh fleet succeed, unless BACKEND_API_URL points at a real backend
// (or FLEET_DEV_BACKEND=0).
if (process.env.FLEET_DEV_BACKEND !== '0' && !process.env.BACKEND_API_URL) {
  const devPort = process.env.DEV_BACKEND_PORT ?? '8010';
  env.BACKEND_API_URL = `http://127.0.0.1:${devPort}`;
  programs.push({
    name: 'dev-backend',
    args: [path.join(root, 'deploy/dev-backend.mjs')],
    env: { DEV_BACKEND_PORT: devPort },
  });
}

// The periodic scheduler (one is enough locally; replicas are safe), unless FLEET_SCHEDULER=0.
if (process.env.FLEET_SCHEDULER !== '0') {
  programs.push({
    name: 'scheduler',
    args: [path.join(root, 'scheduler/dist/cli/scheduler-cli.js')],
    env: { SCHEDULER_HTTP_PORT: String(metricsBase - 1) },
  });
}

// The HTTP API on API_PORT (5555, where the seed had Flower), unless FLEET_API=0. Locally it
// listens on loopback only and, unless API_KEYS is set, takes requests without a key, so the
// README's curl examples work as written; anything reachable from elsewhere needs API_KEYS.
const apiPort = process.env.API_PORT ?? '5555';
if (process.env.FLEET_API !== '0') {
  programs.push({
    name: 'api',
    args: [path.join(root, 'api/dist/cli/api-cli.js')],
    env: {
      API_PORT: apiPort,
      API_HOST: process.env.API_HOST ?? '127.0.0.1',
      ...(process.env.API_KEYS ? {} : { API_ALLOW_ANONYMOUS: 'true' }),
    },
  });
}

let stopping = false;
const running = new Map();

function start(program, attempt = 0) {
  const child = spawn(process.execPath, program.args, {
    env: { ...env, ...program.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: a terminal's Ctrl-C reaches only this supervisor, which then asks
    // each child once (SIGTERM). A second signal would make the child exit without draining.
    detached: true,
  });
  const prefix = `[${program.name}] `;
  const pipe = (stream, out) => {
    let partial = '';
    stream.on('data', (chunk) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop();
      for (const line of lines) out.write(prefix + line + '\n');
    });
  };
  pipe(child.stdout, process.stdout);
  pipe(child.stderr, process.stderr);
  const startedAt = Date.now();
  running.set(program.name, child);
  child.on('exit', (code, signal) => {
    running.delete(program.name);
    if (stopping) {
      if (running.size === 0) process.exit(0);
      return;
    }
    const next = Date.now() - startedAt > 30_000 ? 0 : attempt + 1;
    const delay = Math.min(30_000, 1000 * 2 ** Math.min(next, 5));
    console.error(`${prefix}exited (${signal ?? code}); restarting in ${delay / 1000}s`);
    setTimeout(() => !stopping && start(program, next), delay);
  });
}

function stopAll(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`fleet: ${signal}: stopping ${running.size} processes`);
  if (running.size === 0) process.exit(0);
  for (const child of running.values()) child.kill('SIGTERM');
}

process.on('SIGINT', () => stopAll('SIGINT'));
process.on('SIGTERM', () => stopAll('SIGTERM'));
for (const program of programs) start(program);
console.log(
  `fleet: started ${programs.map((p) => p.name).join(', ')} (metrics on ports ${metricsBase}-${metricsBase + queues.length - 1}${programs.some((p) => p.name === 'mail-catcher') ? '; mails at http://localhost:8025/' : ''}${programs.some((p) => p.name === 'dev-backend') ? `; backend calls at ${env.BACKEND_API_URL}/requests` : ''}${programs.some((p) => p.name === 'api') ? `; HTTP API at http://localhost:${apiPort}/docs` : ''}); Ctrl-C stops`,
);
