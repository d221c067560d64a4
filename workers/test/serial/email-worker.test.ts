import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TaskFailedError } from '@burrow/shared';
import { startFakeBackend, type FakeBackend } from '../../../testing/fake-backend';
import { startTestSmtpServer, type TestSmtpServer } from '../../../testing/smtp-server';
import { eventually } from '../../../testing/stack';
import { connectTestClient } from '../../../testing/test-client';
import { runBurrowCli, type WorkerProcess } from '../../../testing/worker-process';
import { spawnEmailWorker, watchStates } from '../email/email-fleet';

const SMTP_PASSWORD = 'pw-never-logged-7f3a';
const BODY_MARKER = 'body-never-logged-91c2';

/** A real worker on the `email` queue, a real SMTP server and a real HTTP backend. */
describe('email tasks through a real worker process', () => {
  let smtp: TestSmtpServer;
  let backend: FakeBackend;
  let worker: WorkerProcess;
  let session: Awaited<ReturnType<typeof connectTestClient>>;
  let states: Awaited<ReturnType<typeof watchStates>>;
  let dir: string;
  const mine = (taskId: string) => (m: { messageId: string }) => m.messageId.includes(taskId);

  beforeAll(async () => {
    smtp = await startTestSmtpServer({ auth: { user: 'burrow', pass: SMTP_PASSWORD } });
    backend = await startFakeBackend();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'burrow-attach-'));
    fs.writeFileSync(path.join(dir, 'terms.txt'), 'the terms');
    worker = spawnEmailWorker(smtp, {
      SMTP_USER: 'burrow',
      SMTP_PASSWORD,
      EMAIL_ATTACHMENTS_DIR: dir,
      BACKEND_API_URL: backend.url,
      BACKEND_API_KEY: 'k-email',
      BACKEND_NOTIFY_PATH: '/count',
      LOG_LEVEL: 'debug',
    });
    await worker.waitForLine(/worker ready/);
    session = await connectTestClient();
    states = await watchStates();
  });
  afterAll(async () => {
    worker?.kill('SIGKILL');
    states?.close();
    await session?.close();
    await backend?.close();
    await smtp?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sends an email with HTML, attachments and headers under a Message-ID from the task id', async () => {
    const id = await session.client.send('tasks.email_tasks.send_email_task', {
      to_email: 'ann@example.com',
      subject: 'Welcome',
      body: `Hello Ann ${BODY_MARKER}`,
      html: '<h1>Hello Ann</h1>',
      attachments: [
        { filename: 'logo.txt', content_base64: Buffer.from('logo').toString('base64') },
        { filename: 'terms.txt', path: 'terms.txt' },
      ],
      headers: { 'X-Listing': '42' },
    });
    const result = await session.client.wait(id, 15_000);
    expect(result).toEqual({
      message_id: `<${id}@mail.burrow.test>`,
      accepted: ['ann@example.com'],
      rejected: [],
    });
    const [mail] = await smtp.waitForMails(1, { filter: mine(id) });
    expect(mail).toMatchObject({
      messageId: `<${id}@mail.burrow.test>`,
      subject: 'Welcome',
      user: 'burrow',
      html: '<h1>Hello Ann</h1>',
    });
    expect(mail!.text).toContain(BODY_MARKER);
    expect(mail!.parsed.from?.value[0]).toEqual({ name: 'Burrow', address: 'noreply@burrow.test' });
    expect(mail!.headers.get('x-listing')).toBe('42');
    expect(mail!.parsed.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([
      ['logo.txt', 'logo'],
      ['terms.txt', 'the terms'],
    ]);
  });

  it('retries a transient SMTP failure (451) and then delivers exactly one mail', async () => {
    smtp.refuseRecipient('later@example.com', 451, 1);
    const id = await session.client.send(
      'tasks.email_tasks.send_email_task',
      { to_email: 'later@example.com', subject: 'Try again', body: 'x' },
      { retry: { backoffSeconds: 1, jitter: false } },
    );
    await expect(session.client.wait(id, 20_000)).resolves.toMatchObject({
      accepted: ['later@example.com'],
    });
    expect(states.states(id).map((m) => m.status)).toEqual(['RETRY', 'SUCCESS']);
    expect(smtp.mails.filter(mine(id))).toHaveLength(1);
  });

  it('refuses an attachment outside the allowed directory: FAILURE at once, no mail, dead-lettered', async () => {
    const before = smtp.connections();
    const id = await session.client.send('tasks.email_tasks.send_email_task', {
      to_email: 'ann@example.com',
      subject: 'Leak',
      body: 'x',
      attachments: [{ filename: 'passwd', path: '../../../../etc/passwd' }],
    });
    const error = (await session.client
      .wait(id, 15_000)
      .catch((err: unknown) => err)) as TaskFailedError;
    expect(error).toBeInstanceOf(TaskFailedError);
    const meta = await session.results.get(id);
    expect(meta).toMatchObject({
      status: 'FAILURE',
      retries: 0,
      result: { exc_type: 'ValueError' },
    });
    expect(JSON.stringify(meta?.result)).toMatch(/outside the attachments directory/);
    expect(smtp.mails.filter(mine(id))).toHaveLength(0);
    expect(smtp.connections()).toBe(before);
    const dead = await runBurrowCli(['dead', 'show', 'email', '--json', '-n', '1000']);
    expect(dead.stdout).toContain(id);
  });

  it('sends a bulk email with progress, recording a permanently refused recipient as a failure', async () => {
    smtp.refuseRecipient('nobody@example.com', 550);
    const recipients = Array.from({ length: 25 }, (_, i) => ({
      email: `reader${i}@example.com`,
      name: `Reader ${i}`,
    }));
    recipients[7] = { email: 'nobody@example.com', name: 'Nobody' };
    const id = await session.client.send('tasks.email_tasks.send_bulk_email_task', {
      recipients,
      subject: 'News for {{name}}',
      body: `Hi {{name}} ${BODY_MARKER}`,
    });
    const result = await session.client.wait(id, 30_000);
    expect(result).toEqual({
      total: 25,
      sent: 24,
      failed: 1,
      failures: [{ email: 'nobody@example.com', error: expect.stringMatching(/^smtp_550/) }],
    });
    const mails = await smtp.waitForMails(24, { filter: mine(id) });
    expect(new Set(mails.map((m) => m.messageId)).size).toBe(24);
    expect(mails.find((m) => m.envelopeTo[0] === 'reader3@example.com')?.subject).toBe(
      'News for Reader 3',
    );
    const progress = states.states(id).filter((m) => m.status === 'PROGRESS');
    expect(progress[0]?.result).toEqual({ sent: 0, failed: 0, total: 25 });
  });

  it('pauses a bulk email at its soft time limit and continues without spending a retry', async () => {
    const recipients = Array.from({ length: 20 }, (_, i) => `later${i}@example.com`);
    smtp.holdAfter(8);
    const id = await session.client.send(
      'tasks.email_tasks.send_bulk_email_task',
      { recipients, subject: 'Continued', body: 'Part of a long send' },
      { softTimeLimit: 1, timeLimit: 60 },
    );
    await worker.waitForLine(new RegExp(`^(?=.*${id})(?=.*task paused; continuing later)`), 20_000);
    const paused = states.states(id).filter((m) => m.status === 'PROGRESS');
    expect(paused.at(-1)?.result).toEqual({ sent: 8, failed: 0, total: 20 });
    smtp.release();
    await expect(session.client.wait(id, 30_000)).resolves.toEqual({
      total: 20,
      sent: 20,
      failed: 0,
      failures: [],
    });
    const seen = states.states(id);
    expect(seen.map((m) => m.status)).not.toContain('RETRY');
    expect(seen.at(-1)).toMatchObject({ status: 'SUCCESS', retries: 0 });
    const mails = await smtp.waitForMails(20, { filter: mine(id) });
    expect(new Set(mails.map((m) => m.messageId)).size).toBe(20);
  });

  it('posts a notification to the backend keyed by the task id', async () => {
    const id = await session.client.send('tasks.email_tasks.send_notification_to_backend', [
      'user.signed_up',
      { task_id: 'n-1' },
    ]);
    await expect(session.client.wait(id, 15_000)).resolves.toMatchObject({ status_code: 200 });
    expect(backend.countHeaders.at(-1)).toEqual({ idempotencyKey: id, apiKey: 'k-email' });
  });

  it('never logs a full address, the SMTP password or a body', async () => {
    await eventually(() => /bulk email|email sent/.test(worker.output()), 5_000, 'email log lines');
    const output = worker.output();
    expect(output).toMatch(/a\*\*\*@example.com/);
    expect(output).not.toMatch(/ann@example\.com|reader\d+@example\.com|nobody@example\.com/);
    expect(output).not.toContain(SMTP_PASSWORD);
    expect(output).not.toContain(BODY_MARKER);
  });
});
