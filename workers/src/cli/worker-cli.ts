#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, createLogger, loadConfig } from '@burrow/shared';
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
    ...process.env,
    ...(flags.queues ? { WORKER_QUEUES: flags.queues } : {}),
    ...(flags.name ? { WORKER_NAME: flags.name } : {}),
    ...(flags.httpPort ? { WORKER_HTTP_PORT: flags.httpPort } : {}),
  };
  const config = loadConfig(env);
  const logger = createLogger({
    service: 'worker',
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
      onMemoryCap: (rssMb) => {
        logger.warn('memory cap reached: draining and exiting for a fresh process', {
          rssMb,
          capMb: config.worker.maxMemoryMb,
        });
        shutdown('memory cap');
      },
    },
    logger,
  );
  logger.info('worker ready', {
    name: config.worker.name,
    queues: worker.queues.join(','),
    pid: process.pid,
  });

  let stopping = false;
  shutdown = (signal: string) => {
    if (stopping) {
      logger.warn('second signal: exiting now; unfinished tasks return to their queues', {
        signal,
      });
      process.exit(1);
    }
    stopping = true;
    logger.info('shutting down', { signal });
    worker.stop().then(
      () => {
        logger.info('worker stopped cleanly');
        logger.on('finish', () => process.exit(0));
        logger.end();
        setTimeout(() => process.exit(0), 1_000).unref();
      },
      (err: Error) => {
        logger.error('error while stopping', { error: err.message });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: Error) => {
  const prefix = err instanceof ConfigError ? 'configuration error' : 'worker failed to start';
  process.stderr.write(`burrow-worker: ${prefix}: ${err.message}\n`);
  process.exit(err instanceof ConfigError ? 78 : 1);
});
