#!/usr/bin/env node
import { Command } from 'commander';
import {
  createLogger,
  exitOnStartFailure,
  loadConfig,
  stopOnSignals,
  withDotEnv,
} from '@burrow/shared';
import { listSchedule } from '../list-schedule';
import { loadSchedule } from '../load-schedule';
import { loadSchedulerConfig } from '../scheduler-config';
import { runSchedulerProcess } from '../scheduler-process';

const program = new Command()
  .name('burrow-scheduler')
  .description('Publish burrow periodic tasks; run any number of replicas.')
  .option('-l, --list', 'print every entry with its next three fire times, then exit')
  .option('-f, --schedule-file <file>', 'JSON or YAML schedule overrides (default: SCHEDULE_FILE)')
  .option(
    '--http-port <port>',
    'port for /metrics, /healthz, /readyz (default: SCHEDULER_HTTP_PORT; 0 = off)',
  )
  .showHelpAfterError();

async function main(): Promise<void> {
  program.parse();
  const flags = program.opts<{ list?: boolean; scheduleFile?: string; httpPort?: string }>();
  const env = {
    ...withDotEnv(process.env),
    ...(flags.scheduleFile ? { SCHEDULE_FILE: flags.scheduleFile } : {}),
    ...(flags.httpPort ? { SCHEDULER_HTTP_PORT: flags.httpPort } : {}),
  };
  const schedulerConfig = loadSchedulerConfig(env);
  const entries = loadSchedule(schedulerConfig);
  if (flags.list) {
    process.stdout.write(`${listSchedule(entries, new Date())}\n`);
    return;
  }
  const config = loadConfig(env);
  const logger = createLogger({
    service: 'scheduler',
    level: config.log.level,
    dir: config.log.dir,
    format: config.log.format,
  });
  const running = await runSchedulerProcess(config, schedulerConfig, entries, logger);
  logger.info('scheduler ready', {
    entries: entries.map((e) => e.name).join(','),
    pid: process.pid,
  });

  stopOnSignals({ logger, role: 'scheduler', stop: () => running.stop() });
}

main().catch((err: Error) => exitOnStartFailure('burrow-scheduler', 'scheduler', err));
