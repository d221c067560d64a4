#!/usr/bin/env node
import os from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import {
  createLogger,
  exitOnStartFailure,
  loadConfig,
  stopOnSignals,
  withDotEnv,
} from '@burrow/shared';
import { startWorker } from '../worker';

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number ≥ 1');
  return n;
};

const program = new Command()
  .name('burrow-worker')
  .description('Run burrow tasks from RabbitMQ queues; results go to Redis.')
  .option(
    '-q, --queues <list>',
    'comma-separated queues to consume (default: WORKER_QUEUES, else all catalogue queues)',
  )
  .option(
    '-c, --concurrency <n>',
    'tasks run at once (default: WORKER_CONCURRENCY, 16)',
    positiveInt,
  )
  .option('--prefetch <n>', 'unacked deliveries per queue (default: 2 × concurrency)', positiveInt)
  .option('-n, --name <name>', 'worker name (default: WORKER_NAME, burrow@<hostname>)')
  .option(
    '--http-port <port>',
    'port for /metrics, /healthz, /readyz (default: WORKER_HTTP_PORT; 0 = off)',
  )
  .showHelpAfterError();

async function main(): Promise<void> {
  program.parse();
  const flags = program.opts<{
    queues?: string;
    concurrency?: number;
    prefetch?: number;
    name?: string;
    httpPort?: string;
  }>();
  const env = {
    ...withDotEnv(process.env),
    ...(flags.queues ? { WORKER_QUEUES: flags.queues } : {}),
    ...(flags.name ? { WORKER_NAME: flags.name } : {}),
    ...(flags.httpPort ? { WORKER_HTTP_PORT: flags.httpPort } : {}),
  };
  const config = loadConfig(env);
  const logger = createLogger({
    service: 'worker',
    // Workers of different queues share a host in the local fleet: one file per queue set.
    instance: `${config.worker.queues.join('+')}-${os.hostname()}`,
    level: config.log.level,
    dir: config.log.dir,
    format: config.log.format,
  });
  let shutdown: (reason: string) => void = () => undefined;
  const worker = await startWorker(
    config,
    {
      queues: config.worker.queues,
      concurrency: flags.concurrency ?? config.worker.concurrency,
      prefetch: flags.prefetch,
      env,
      onMemoryCap: (rssMb) => {
        logger.warn('memory cap reached: draining and exiting for a fresh process', {
          rssMb,
          capMb: config.worker.maxMemoryMb,
        });
        shutdown('memory cap');
      },
      onRemoteShutdown: () => shutdown('remote control'),
    },
    logger,
  );
  logger.info('worker ready', {
    name: config.worker.name,
    node: worker.nodeName,
    queues: worker.queues.join(','),
    pid: process.pid,
  });

  shutdown = stopOnSignals({
    logger,
    role: 'worker',
    stop: () => worker.stop(),
    hurriedNote: 'unfinished tasks return to their queues',
  });
}

main().catch((err: Error) => exitOnStartFailure('burrow-worker', 'worker', err));
