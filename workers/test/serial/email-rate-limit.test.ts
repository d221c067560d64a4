import { startTestSmtpServer, type TestSmtpServer } from '../../../testing/smtp-server';
import { connectTestClient } from '../../../testing/test-client';
import type { WorkerProcess } from '../../../testing/worker-process';
import { spawnEmailWorker } from '../email/email-fleet';

const RATE = 20;
const PER_TASK = 50;

/** SMTP_RATE_PER_SECOND is one budget for the whole fleet, enforced through Redis. */
describe('fleet-wide SMTP rate limit', () => {
  let smtp: TestSmtpServer;
  let session: Awaited<ReturnType<typeof connectTestClient>>;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    smtp = await startTestSmtpServer();
    session = await connectTestClient();
  });
  afterAll(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await session?.close();
    await smtp?.close();
  });

  it(`two workers sending two bulk tasks together stay within ${RATE} mails/s in total`, async () => {
    for (const name of ['rate-a@test', 'rate-b@test']) {
      workers.push(
        spawnEmailWorker(smtp, { SMTP_RATE_PER_SECOND: String(RATE), SMTP_POOL_SIZE: '2' }, [
          '--concurrency',
          '1',
          '--name',
          name,
        ]),
      );
    }
    await Promise.all(workers.map((w) => w.waitForLine(/worker ready/)));

    const ids = await Promise.all(
      ['a', 'b'].map((tag) =>
        session.client.send('tasks.email_tasks.send_bulk_email_task', {
          recipients: Array.from({ length: PER_TASK }, (_, i) => `${tag}${i}@example.com`),
          subject: 'Rate',
          body: 'x',
        }),
      ),
    );
    const results = await Promise.all(ids.map((id) => session.client.wait(id, 30_000)));
    expect(results).toEqual(
      ids.map(() => ({ total: PER_TASK, sent: PER_TASK, failed: 0, failures: [] })),
    );
    // Each task ran on its own worker: the limit held across processes.
    const metas = await Promise.all(ids.map((id) => session.results.get(id)));
    expect(new Set(metas.map((m) => m?.worker))).toEqual(new Set(['rate-a@test', 'rate-b@test']));

    const times = smtp.mails
      .filter((m) => ids.some((id) => m.messageId.includes(id)))
      .map((m) => m.receivedAt)
      .sort((a, b) => a - b);
    expect(times).toHaveLength(2 * PER_TASK);
    let busiest = 0;
    for (let i = 0; i < times.length; i += 1) {
      let j = i;
      while (j < times.length && times[j]! - times[i]! < 1_000) j += 1;
      busiest = Math.max(busiest, j - i);
    }
    const span = (times.at(-1)! - times[0]!) / 1_000;
    process.stdout.write(
      `rate limit: ${times.length} mails in ${span.toFixed(2)} s, busiest second ${busiest}\n`,
    );
    // The limit spaces the starts of sends 1/RATE apart fleet-wide; arrivals add the SMTP
    // round trip's jitter, and a worker's first mail pays for opening its connection. Without
    // the shared limit the two workers would deliver 2 × RATE in a second.
    expect(busiest).toBeLessThanOrEqual(RATE + 3);
    expect(span).toBeGreaterThanOrEqual((2 * PER_TASK - RATE - 2) / RATE);
    // Both workers sent at the same time (neither waited for the other to finish).
    const taskSpans = ids.map((id) => {
      const own = smtp.mails.filter((m) => m.messageId.includes(id)).map((m) => m.receivedAt);
      return [Math.min(...own), Math.max(...own)] as const;
    });
    expect(Math.max(taskSpans[0]![0], taskSpans[1]![0])).toBeLessThan(
      Math.min(taskSpans[0]![1], taskSpans[1]![1]),
    );
  });
});
