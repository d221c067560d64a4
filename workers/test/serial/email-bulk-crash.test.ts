import { Redis } from 'ioredis';
import { startTestSmtpServer, type TestSmtpServer } from '../../../testing/smtp-server';
import { REDIS_URL, eventually } from '../../../testing/stack';
import { connectTestClient } from '../../../testing/test-client';
import type { WorkerProcess } from '../../../testing/worker-process';
import { spawnEmailWorker } from '../email/email-fleet';

const RECIPIENTS = 120;
const BEFORE_CRASH = 45;

/** kill -9 in the middle of a bulk email: the next worker finishes it without resending. */
describe('bulk email survives a worker crash', () => {
  let smtp: TestSmtpServer;
  let redis: Redis;
  let session: Awaited<ReturnType<typeof connectTestClient>>;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    smtp = await startTestSmtpServer();
    redis = new Redis(REDIS_URL);
    session = await connectTestClient();
  });
  afterAll(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await session?.close();
    redis?.disconnect();
    await smtp?.close();
  });

  it('resumes after SIGKILL and every recipient gets exactly one mail', async () => {
    const first = spawnEmailWorker(smtp, { SMTP_POOL_SIZE: '3' }, ['--name', 'crash-a@test']);
    workers.push(first);
    await first.waitForLine(/worker ready/);

    // The server answers the first BEFORE_CRASH messages, then leaves further ones hanging at
    // MAIL FROM: the worker is killed with sends in flight that the server never accepted.
    smtp.holdAfter(BEFORE_CRASH);
    const id = await session.client.send('tasks.email_tasks.send_bulk_email_task', {
      recipients: Array.from({ length: RECIPIENTS }, (_, i) => ({
        email: `r${i}@example.com`,
        name: `R${i}`,
      })),
      subject: 'Hello {{name}}',
      body: 'Once only, {{name}}.',
    });
    const mine = (m: { messageId: string }) => m.messageId.includes(id);
    await smtp.waitForMails(BEFORE_CRASH, { filter: mine, timeoutMs: 20_000 });
    await eventually(() => smtp.held() > 0, 5_000, 'sends hanging at the server');
    // Every accepted mail is recorded in the task's progress before the crash.
    await eventually(
      async () => (await redis.bitcount(`burrow-email-${id}-done`)) === BEFORE_CRASH,
      5_000,
      'progress recorded',
    );
    first.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    smtp.release();

    const second = spawnEmailWorker(smtp, { SMTP_POOL_SIZE: '3' }, ['--name', 'crash-b@test']);
    workers.push(second);
    const result = await session.client.wait(id, 60_000);
    expect(result).toEqual({ total: RECIPIENTS, sent: RECIPIENTS, failed: 0, failures: [] });

    const counts = new Map<string, number>();
    for (const mail of smtp.mails.filter(mine))
      counts.set(mail.messageId, (counts.get(mail.messageId) ?? 0) + 1);
    const expected = Array.from({ length: RECIPIENTS }, (_, i) => `<${id}.${i}@mail.burrow.test>`);
    expect([...counts.keys()].sort()).toEqual(expected.sort());
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect((await session.results.get(id))?.worker).toBe('crash-b@test');
    expect(second.output()).toMatch(/bulk email resuming.*"sent":45/);
  });
});
