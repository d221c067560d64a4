import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { uniqueName } from '../../testing/stack';
import { spawnBurrow } from '../../testing/worker-process';

const SCRIPT = 'scheduler/dist/cli/scheduler-cli.js';

function writeSchedule(entries: unknown[]): string {
  const file = path.join(os.tmpdir(), `${uniqueName('schedule')}.json`);
  fs.writeFileSync(file, JSON.stringify({ replaceDefaults: true, entries }));
  return file;
}

describe('burrow-scheduler CLI', () => {
  it('--list prints every default entry with three fire times in its zone, then exits 0', async () => {
    const proc = spawnBurrow({ SCHEDULER_TIMEZONE: 'Europe/Kyiv' }, ['--list'], SCRIPT);
    expect(await proc.exited).toBe(0);
    const out = proc.output();
    for (const name of [
      'daily_maintenance',
      'update_exchange_rates',
      'send_daily_digest',
      'system_health_check',
      'cleanup_temp_files',
      'cleanup_old_logs',
    ])
      expect(out).toMatch(new RegExp(`^${name} .*tz=Europe/Kyiv`, 'm'));
    const digest = out.split(/\n(?=\S)/).find((block) => block.startsWith('send_daily_digest'))!;
    const times = digest.split('\n').filter((l) => l.includes('next:'));
    expect(times).toHaveLength(3);
    for (const line of times) expect(line).toMatch(/T08:00:00\+0[23]:00$/);
  });

  it('fails with exit 78 naming the entry for a bad cron expression', async () => {
    const file = writeSchedule([{ name: 'broken', cron: '0 25 * * *', task: 'x', queue: 'q' }]);
    const proc = spawnBurrow({ SCHEDULE_FILE: file }, [], SCRIPT);
    expect(await proc.exited).toBe(78);
    expect(proc.output()).toMatch(/configuration error: schedule entry "broken": invalid cron/);
  });

  it('fails with exit 78 for an unknown time zone', async () => {
    const file = writeSchedule([
      { name: 'zoned', cron: '0 1 * * *', timezone: 'Nowhere/Land', task: 'x', queue: 'q' },
    ]);
    const proc = spawnBurrow({ SCHEDULE_FILE: file }, ['--list'], SCRIPT);
    expect(await proc.exited).toBe(78);
    expect(proc.output()).toMatch(/schedule entry "zoned": unknown time zone/);
  });

  it("fails with exit 78 for an entry whose arguments do not fit its task's contract", async () => {
    const file = writeSchedule([
      {
        name: 'sweep',
        cron: '0 3 * * *',
        task: 'tasks.cleanup_tasks.cleanup_temp_files_task',
        kwargs: { max_age_hours: 'a day' },
      },
    ]);
    const proc = spawnBurrow({ SCHEDULE_FILE: file }, ['--list'], SCRIPT);
    expect(await proc.exited).toBe(78);
    expect(proc.output()).toMatch(
      /schedule entry "sweep": invalid arguments for tasks\.cleanup_tasks\.cleanup_temp_files_task: \/max_age_hours/,
    );
  });
});
