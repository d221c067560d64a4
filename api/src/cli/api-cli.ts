#!/usr/bin/env node
import { Command } from 'commander';
import {
  createLogger,
  exitOnStartFailure,
  loadConfig,
  stopOnSignals,
  withDotEnv,
} from '@burrow/shared';
import { loadApiConfig } from '../api-config';
import { runApiProcess } from '../api-process';

const program = new Command()
  .name('burrow-api')
  .description('Serve the burrow HTTP API: submit tasks, read status and results, OpenAPI docs.')
  .option('-p, --port <port>', 'port to listen on (default: API_PORT, 5555)')
  .option('--host <host>', 'address to listen on (default: API_HOST, 0.0.0.0)')
  .showHelpAfterError();

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

async function main(): Promise<void> {
  program.parse();
  const flags = program.opts<{ port?: string; host?: string }>();
  const env = {
    ...withDotEnv(process.env),
    ...(flags.port ? { API_PORT: flags.port } : {}),
    ...(flags.host ? { API_HOST: flags.host } : {}),
  };
  const apiConfig = loadApiConfig(env);
  const config = loadConfig(env);
  const logger = createLogger({
    service: 'api',
    level: config.log.level,
    dir: config.log.dir,
    format: config.log.format,
  });
  if (apiConfig.allowAnonymous && !LOOPBACK.has(apiConfig.host))
    logger.warn(
      'API_ALLOW_ANONYMOUS=true on a non-loopback address: anyone who can reach it may submit tasks',
      {
        host: apiConfig.host,
      },
    );
  const running = await runApiProcess(config, apiConfig, logger);
  logger.info('api ready', {
    url: `http://${apiConfig.host}:${running.port}`,
    keys: apiConfig.keys.map((k) => k.name).join(','),
    anonymous: apiConfig.allowAnonymous,
    pid: process.pid,
  });
  stopOnSignals({ logger, role: 'api', stop: () => running.stop() });
}

main().catch((err: Error) => exitOnStartFailure('burrow-api', 'api', err));
