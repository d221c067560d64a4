import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { eventually } from './stack';

/**
 * Private redis-server and Sentinel processes for one test file, on ports of their own, never
 * the shared stack's Redis. Every process started through a `RedisRig` is stopped by `close()`,
 * which a test calls in afterAll whatever happened before.
 */
export interface RedisRig {
  /** Scratch folder for configs and certificates; removed by close(). */
  readonly dir: string;
  /** A plain (or TLS, with `args`) redis-server; resolves once it accepts connections. */
  startServer(options?: { args?: string[]; port?: number }): Promise<RedisServerProcess>;
  /**
   * A Sentinel watching `master` (127.0.0.1:port) under `name`, with failure detection in about
   * a second so a failover completes within a test.
   */
  startSentinel(name: string, masterPort: number, quorum: number): Promise<RedisServerProcess>;
  close(): Promise<void>;
}

export interface RedisServerProcess {
  readonly port: number;
  readonly child: ChildProcess;
  /** Everything the process logged so far. */
  output(): string;
  /** SIGKILL (a crash) or SIGTERM; resolves once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const REDIS_SERVER = 'redis-server';

export function createRedisRig(): RedisRig {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-redis-'));
  const started: RedisServerProcess[] = [];

  const launch = async (args: string[], port: number, ready: RegExp) => {
    const child = spawn(REDIS_SERVER, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (c: Buffer) => (text += c.toString()));
    child.stderr.on('data', (c: Buffer) => (text += c.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const server: RedisServerProcess = {
      port,
      child,
      output: () => text,
      stop: async (signal = 'SIGTERM') => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        await exited;
      },
    };
    started.push(server);
    await eventually(
      () => ready.test(text) || (child.exitCode !== null ? Promise.reject(new Error(text)) : false),
      15_000,
      `redis-server on port ${port} (${args.join(' ')})`,
    );
    return server;
  };

  return {
    dir,
    startServer: async ({ args = [], port } = {}) => {
      const own = port ?? (await freePort());
      const plain = args.includes('--tls-port') ? ['--port', '0'] : ['--port', String(own)];
      return launch(
        [
          ...plain,
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          dir,
          ...args,
        ],
        own,
        /Ready to accept connections/,
      );
    },
    startSentinel: async (name, masterPort, quorum) => {
      const port = await freePort();
      // Sentinel rewrites its config file as it learns the topology: one file each.
      const file = path.join(dir, `sentinel-${port}.conf`);
      fs.writeFileSync(
        file,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${name} 127.0.0.1 ${masterPort} ${quorum}`,
          `sentinel down-after-milliseconds ${name} 1000`,
          `sentinel failover-timeout ${name} 10000`,
          `sentinel parallel-syncs ${name} 1`,
          '',
        ].join('\n'),
      );
      return launch([file, '--sentinel'], port, /\+monitor master/);
    },
    close: async () => {
      await Promise.all(started.map((s) => s.stop('SIGKILL')));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A port nothing listens on right now (the kernel's choice). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** One short-lived plain connection to a rig's process, for INFO, SENTINEL and REPLICAOF. */
export async function withRedis<T>(port: number, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}
