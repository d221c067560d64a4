import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { AMQP_URL, REDIS_URL, REPO_ROOT, eventually } from '../../../testing/stack';
import { connectTestClient } from '../../../testing/test-client';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** `npm start` runs a mail catcher beside the workers, so a newcomer sees mails arrive. */
describe('local fleet mail catcher', () => {
  it('shows a mail the email worker sent, in its log and on its page', async () => {
    const [smtpPort, httpPort] = [await freePort(), await freePort()];
    const fleet = spawn(process.execPath, [path.join(REPO_ROOT, 'deploy/fleet.mjs')], {
      env: {
        PATH: process.env.PATH ?? '',
        FLEET_QUEUES: 'email',
        FLEET_METRICS_PORT: '19171',
        RABBITMQ_PORT: new URL(AMQP_URL).port,
        REDIS_PORT: new URL(REDIS_URL).port,
        SMTP_PORT: String(smtpPort),
        MAIL_CATCHER_HTTP_PORT: String(httpPort),
        LOG_DIR: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    fleet.stdout.on('data', (c: Buffer) => (output += c.toString()));
    fleet.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) =>
      fleet.on('exit', (code) => resolve(code)),
    );
    const session = await connectTestClient();
    try {
      await eventually(() => /\[worker:email\].*worker ready/.test(output), 30_000, 'worker ready');
      await eventually(
        () => /\[mail-catcher\] mail catcher: SMTP on/.test(output),
        10_000,
        'catcher',
      );
      const id = await session.client.send('tasks.email_tasks.send_email_task', {
        to_email: 'newcomer@example.com',
        subject: 'It works',
        body: 'Hello from burrow',
      });
      await expect(session.client.wait(id, 20_000)).resolves.toMatchObject({
        accepted: ['newcomer@example.com'],
      });
      await eventually(() => output.includes(`[mail-catcher] mail #1`), 5_000, 'catcher line');
      expect(output).toMatch(
        /\[mail-catcher\] mail #1 burrow@localhost → newcomer@example.com: "It works"/,
      );
      const listed = (await (await fetch(`http://127.0.0.1:${httpPort}/messages`)).json()) as {
        messageId: string;
      }[];
      expect(listed.map((m) => m.messageId)).toEqual([`<${id}@burrow.local>`]);
      const page = await (await fetch(`http://127.0.0.1:${httpPort}/`)).text();
      expect(page).toContain('It works');
      fleet.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      // The supervisor stops its children on SIGTERM; SIGKILL would orphan them.
      if (fleet.exitCode === null) fleet.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 15_000)))]);
      clearTimeout(timer);
      await session.close();
    }
  });
});
