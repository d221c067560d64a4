import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import amqplib from 'amqplib';
import {
  QUEUES,
  cleanupOldLogsTask,
  cleanupTempFilesTask,
  dailyMaintenanceTask,
  sendDailyDigestTask,
  systemHealthCheckTask,
  updateExchangeRatesTask,
} from '@burrow/contracts';
import { createPrivateVhost, type PrivateVhost } from '../../../testing/private-vhost';
import { REPO_ROOT, eventually, uniqueName } from '../../../testing/stack';

/** Each default schedule entry, fired every few seconds instead of hourly or nightly. */
const FAST_SCHEDULE = [
  { name: 'daily_maintenance', cron: '*/9 * * * * *', task: dailyMaintenanceTask.name },
  { name: 'update_exchange_rates', cron: '*/4 * * * * *', task: updateExchangeRatesTask.name },
  { name: 'send_daily_digest', cron: '*/6 * * * * *', task: sendDailyDigestTask.name },
  { name: 'system_health_check', cron: '*/3 * * * * *', task: systemHealthCheckTask.name },
  { name: 'cleanup_temp_files', cron: '*/5 * * * * *', task: cleanupTempFilesTask.name },
  { name: 'cleanup_old_logs', cron: '*/7 * * * * *', task: cleanupOldLogsTask.name },
];

/**
 * A new user's first run: `npm start`'s fleet (a worker per queue, the scheduler, the mail
 * catcher and the stand-in backend) on a broker of its own, left running across many scheduled
 * slots of every default entry. Nothing may end up dead-lettered by itself.
 */
describe('a fresh fleet across the scheduled slots', () => {
  let vhost: PrivateVhost;

  beforeAll(async () => {
    vhost = await createPrivateVhost('fresh-fleet');
  });
  afterAll(async () => {
    await vhost?.close();
  });

  it('runs every default periodic task and leaves every .dead queue empty', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'burrow-fresh-fleet-'));
    const schedule = path.join(dir, 'schedule.json');
    writeFileSync(schedule, JSON.stringify(FAST_SCHEDULE));
    const fleet = spawn(process.execPath, [path.join(REPO_ROOT, 'deploy/fleet.mjs')], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        RABBITMQ_URL: vhost.url,
        REDIS_KEY_PREFIX: `${uniqueName('fresh')}:`,
        SCHEDULE_FILE: schedule,
        FLEET_METRICS_PORT: '19261',
        SMTP_PORT: '19025',
        MAIL_CATCHER_HTTP_PORT: '19080',
        DEV_BACKEND_PORT: '19010',
        API_PORT: '19555',
        LOG_DIR: '',
        LOG_FORMAT: 'json',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    fleet.stdout.on('data', (c: Buffer) => (output += c.toString()));
    fleet.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => fleet.on('exit', (c) => resolve(c)));
    try {
      await eventually(
        () => (output.match(/worker ready/g) ?? []).length >= QUEUES.length,
        60_000,
        'every worker ready',
      );
      // Long enough for several slots of every entry, the 9-second maintenance included.
      const names = [
        'daily_maintenance_task',
        'update_exchange_rates_task',
        'send_daily_digest_task',
        'system_health_check_task',
        'cleanup_temp_files_task',
        'cleanup_old_logs_task',
      ];
      const successes = (name: string) =>
        output
          .split('\n')
          .filter((line) => line.includes('"message":"task succeeded"') && line.includes(name))
          .length;
      await eventually(
        () => names.every((name) => successes(name) >= 2),
        90_000,
        'two successes of every scheduled task',
      ).catch((err: Error) => {
        const counts = Object.fromEntries(names.map((name) => [name, successes(name)]));
        const trouble = output
          .split('\n')
          .filter((line) => /"level":"(warn|error)"|exited|Error/.test(line))
          .slice(-15);
        throw new Error(`${err.message}: ${JSON.stringify(counts)}\n${trouble.join('\n')}`);
      });

      const connection = await amqplib.connect(vhost.url);
      try {
        const channel = await connection.createChannel();
        for (const queue of QUEUES)
          expect([queue, (await channel.checkQueue(`${queue}.dead`)).messageCount]).toEqual([
            queue,
            0,
          ]);
      } finally {
        await connection.close();
      }
      expect(output).not.toMatch(/dead-lettered|"level":"error"/);
    } finally {
      fleet.kill('SIGINT');
      expect(await exited).toBe(0);
    }
  }, 180_000);
});
