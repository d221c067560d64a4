import { createPrivateVhost, type PrivateVhost } from '../../testing/private-vhost';
import { eventually, uniqueName } from '../../testing/stack';
import { spawnBurrow } from '../../testing/worker-process';
import { declareWorkerQueues } from '../../testing/worker-topology';

const CLI = 'api/dist/cli/api-cli.js';

/** The built burrow-api binary: refuses a config without keys, and stops cleanly on SIGTERM. */
describe('the burrow-api process', () => {
  let vhost: PrivateVhost;

  beforeAll(async () => {
    vhost = await createPrivateVhost('api-process');
  });

  afterAll(async () => {
    await vhost?.close();
  });

  it('will not start without keys unless anonymous access is asked for (exit 78)', async () => {
    const api = spawnBurrow({ RABBITMQ_URL: vhost.url, API_PORT: '0' }, [], CLI);
    expect(await api.exited).toBe(78);
    expect(api.output()).toMatch(/configuration error: API_KEYS: no API keys configured/);
  });

  it('answers a waiting long-poll and exits 0 on SIGTERM', async () => {
    const api = spawnBurrow(
      {
        RABBITMQ_URL: vhost.url,
        REDIS_KEY_PREFIX: `${uniqueName('api-process')}:`,
        API_PORT: '0',
        API_HOST: '127.0.0.1',
        API_ALLOW_ANONYMOUS: 'true',
      },
      [],
      CLI,
    );
    const ready = JSON.parse(await api.waitForLine(/api ready/)) as { url: string };
    expect(await (await fetch(`${ready.url}/readyz`)).text()).toBe('ready\n');
    const submit = () =>
      fetch(`${ready.url}/api/tasks/email/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ to_email: 'a@example.com', subject: 's', body: 'b' }),
      });
    // The API declares no queues: before any worker has declared email, a submission is
    // refused at once, naming the queue, instead of being dropped by the broker.
    const refused = await submit();
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({
      error: 'unroutable',
      message: expect.stringMatching(/no queue named 'email'/),
    });
    await declareWorkerQueues(vhost.url, ['email']);
    // Nothing consumes the vhost's email queue: the task stays pending.
    const posted = (await (await submit()).json()) as { task_id: string };
    const started = Date.now();
    const polling = fetch(`${ready.url}/api/tasks/${posted.task_id}/result/?wait=50`);
    // Stop the server once the long-poll is waiting on the result channel.
    await eventually(
      async () =>
        /burrow_api_long_polls\{service="api"\} 1/.test(
          await (await fetch(`${ready.url}/metrics`)).text(),
        ),
      10_000,
      'the long-poll to be waiting',
    );
    api.kill('SIGTERM');
    const answered = await polling;
    expect(answered.status).toBe(202);
    expect(((await answered.json()) as { status: string }).status).toBe('PENDING');
    expect(await api.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(api.output()).toMatch(/api stopped cleanly/);
  });
});
