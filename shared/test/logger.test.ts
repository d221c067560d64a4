import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import winston from 'winston';
import { logFileStem } from '../src/logging/logger';
import { StdoutTransport } from '../src/logging/stdout-transport';

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

describe('StdoutTransport', () => {
  /** A logger writing through the transport into `writes`, one entry per write call. */
  function capture() {
    const writes: string[] = [];
    const out = new Writable({
      write(chunk: Buffer, _encoding, done) {
        writes.push(chunk.toString('utf8'));
        done();
      },
    });
    const transport = new StdoutTransport({ format: winston.format.simple() }, out);
    const logger = winston.createLogger({ transports: [transport] });
    return { writes, logger, transport };
  }

  it("writes the lines of one turn in one write, once the turn's work is done", async () => {
    const { writes, logger, transport } = capture();
    logger.info('first');
    logger.info('second');
    await Promise.resolve();
    logger.warn('third');
    expect(writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual(['info: first\ninfo: second\nwarn: third\n']);
    logger.info('next turn');
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(2);
    expect(writes[1]).toBe('info: next turn\n');
    transport.close();
  });

  it('writes what is pending when the process exits, even through process.exit()', () => {
    const lines = logOutput(
      'info',
      `for (let i = 0; i < 3; i++) logger.info('line ' + i);
       process.exit(0);`,
    );
    expect(lines.map((l) => (JSON.parse(l) as { message: string }).message)).toEqual([
      'line 0',
      'line 1',
      'line 2',
    ]);
  });
});

describe('log files', () => {
  it('gives each process its own daily file in a shared directory', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-logs-'));
    try {
      const script = `
        const { createLogger } = require(${JSON.stringify(path.join(__dirname, '..', 'dist'))});
        const a = createLogger({ service: 'worker', instance: 'email-host1', dir: ${JSON.stringify(dir)}, silent: false });
        const b = createLogger({ service: 'worker', instance: 'email-host2', dir: ${JSON.stringify(dir)} });
        a.info('from replica one');
        b.info('from replica two');
        Promise.all([a.flush(), b.flush()]).then(() => process.exit(0));`;
      execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });
      const files = fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.log'))
        .sort();
      const day = /^worker-email-host[12]-\d{4}-\d{2}-\d{2}\.log$/;
      expect(files).toHaveLength(2);
      expect(files.every((f) => day.test(f))).toBe(true);
      const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
      expect(read(files[0]!)).toContain('from replica one');
      expect(read(files[0]!)).not.toContain('from replica two');
      expect(read(files[1]!)).toContain('from replica two');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes a file name of any host or queue name', () => {
    expect(logFileStem({ service: 'worker', instance: 'email+cleanup-web 1/a' })).toBe(
      'worker-email+cleanup-web_1_a',
    );
  });
});
