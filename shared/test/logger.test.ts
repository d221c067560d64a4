import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** Runs a few log calls in a real process (the built package) and returns what it printed. */
function logOutput(level: string, body: string): string[] {
  const script = `
    const { createLogger } = require(${JSON.stringify(path.join(__dirname, '..', 'dist'))});
    const logger = createLogger({ service: 'worker', format: 'json', level: ${JSON.stringify(level)} });
    ${body}`;
  return execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
}

describe('createLogger', () => {
  it('writes JSON with the task scope, masking personal data and secrets', () => {
    const lines = logOutput(
      'info',
      `logger.child({ taskId: 't-1', task: 'tasks.email_tasks.send_email_task' })
         .warn('rejected by ann.lee@example.com', { phone: '+380501234567', password: 'hunter2', ms: 12 });`,
    );
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 'warn',
      service: 'worker',
      taskId: 't-1',
      task: 'tasks.email_tasks.send_email_task',
      message: 'rejected by a***@example.com',
      phone: '+*********567',
      password: '***',
      ms: 12,
    });
  });

  it('writes nothing, and formats nothing, below its level', () => {
    const lines = logOutput(
      'warn',
      `let formatted = false;
       logger.info('task succeeded', { get lazy() { formatted = true; return 'x'; } });
       logger.warn('done', { formatted });`,
    );
    expect(lines.map((l) => JSON.parse(l) as { message: string; formatted: boolean })).toEqual([
      expect.objectContaining({ message: 'done', formatted: false }),
    ]);
  });
});
