import { startTestSmtpServer, type TestSmtpServer } from '../../testing/smtp-server';
import { createPrivateVhost, type PrivateVhost } from '../../testing/private-vhost';
import { eventually, uniqueName } from '../../testing/stack';
import { spawnBurrow, type WorkerProcess } from '../../testing/worker-process';
import { apiKey, startTestApi, type TestApi } from './api-harness';

const KEY = 'seed-backend-key';

/**
 * The seed README's three HTTP calls, exactly as it writes them, through a real burrow-api, a
 * real email worker and a real SMTP server; then long-poll and revoke on the same fleet.
 */
describe('the seed API calls end to end', () => {
  let vhost: PrivateVhost;
  let smtp: TestSmtpServer;
  let worker: WorkerProcess;
  let api: TestApi;

  beforeAll(async () => {
    vhost = await createPrivateVhost('api-seed');
    smtp = await startTestSmtpServer();
    const keyPrefix = `${uniqueName('api-seed')}:`;
    worker = spawnBurrow(
      {
        RABBITMQ_URL: vhost.url,
        REDIS_KEY_PREFIX: keyPrefix,
        SMTP_HOST: smtp.host,
        SMTP_PORT: String(smtp.port),
        SMTP_TIMEOUT: '5',
        SMTP_FROM: 'Burrow <noreply@burrow.test>',
        WORKER_NAME: `${uniqueName('api-seed')}@test`,
        WORKER_TRACK_STARTED: 'true',
      },
      ['--queues', 'email', '--concurrency', '4'],
    );
    [api] = await Promise.all([
      startTestApi({
        RABBITMQ_URL: vhost.url,
        REDIS_KEY_PREFIX: keyPrefix,
        API_KEYS: JSON.stringify([apiKey('backend', KEY)]),
      }),
      worker.waitForLine(/worker ready/),
    ]);
  });

  afterAll(async () => {
    await api?.stop();
    worker?.kill();
    await worker?.exited;
    await smtp?.close();
    await vhost?.close();
  });

  it('POST /api/tasks/email/, then GET …/status/ and …/result/ as the seed README writes them', async () => {
    const to = `${uniqueName('seed')}@example.com`;
    const posted = await api.call('POST', '/api/tasks/email/', {
      key: KEY,
      body: { to_email: to, subject: 'Test', body: 'Test message' },
    });
    expect(posted.status).toBe(202);
    const taskId = posted.body.task_id as string;
    expect(posted.body).toMatchObject({
      status: 'PENDING',
      status_url: `/api/tasks/${taskId}/status/`,
      result_url: `/api/tasks/${taskId}/result/`,
    });
    expect(posted.headers.get('location')).toBe(`/api/tasks/${taskId}/status/`);

    const status = await eventually(
      async () => {
        const r = await api.call('GET', `/api/tasks/${taskId}/status/`, { key: KEY });
        return r.body.status === 'SUCCESS' ? r : undefined;
      },
      30_000,
      'the email task to succeed',
    );
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({
      task_id: taskId,
      state: 'SUCCESS',
      ready: true,
      name: 'tasks.email_tasks.send_email_task',
      queue: 'email',
      retries: 0,
      worker: expect.stringContaining('api-seed'),
      date_done: expect.any(String),
    });

    const result = await api.call('GET', `/api/tasks/${taskId}/result/`, { key: KEY });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ task_id: taskId, status: 'SUCCESS' });
    expect(result.body.result.accepted).toEqual([to]);
    const [mail] = await smtp.waitForMails(1, { filter: (m) => m.envelopeTo.includes(to) });
    expect(mail?.subject).toBe('Test');
    expect(mail?.messageId).toBe(result.body.result.message_id);
  });

  it('long-polls ?wait= until the result is stored', async () => {
    const to = `${uniqueName('wait')}@example.com`;
    const posted = await api.call('POST', '/api/tasks/email?countdown=1', {
      key: KEY,
      body: { to_email: to, subject: 'Later', body: 'after a second' },
    });
    const started = Date.now();
    const result = await api.call('GET', `/api/tasks/${posted.body.task_id}/result?wait=20`, {
      key: KEY,
    });
    expect(result.status).toBe(200);
    expect(result.body.status).toBe('SUCCESS');
    expect(result.body.result.accepted).toEqual([to]);
    // It waited for the worker (the countdown alone is a second), not for the whole timeout.
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('reports a failure with the error and traceback', async () => {
    smtp.refuseRecipient('refused@example.com', 550);
    const posted = await api.call('POST', '/api/tasks/email/', {
      key: KEY,
      body: { to_email: 'refused@example.com', subject: 'No', body: 'refused' },
    });
    const result = await api.call('GET', `/api/tasks/${posted.body.task_id}/result/?wait=20`, {
      key: KEY,
    });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ status: 'FAILURE', result: null });
    expect(result.body.error.type).toEqual(expect.any(String));
    expect(result.body.error.message).toMatch(/550|refused/i);
  });

  it('revokes a task that has not run yet: DELETE, then its result is REVOKED', async () => {
    const to = `${uniqueName('revoke')}@example.com`;
    const posted = await api.call('POST', '/api/tasks/email/?countdown=3', {
      key: KEY,
      body: { to_email: to, subject: 'Never', body: 'revoked first' },
    });
    const id = posted.body.task_id as string;
    const revoked = await api.call('DELETE', `/api/tasks/${id}`, { key: KEY });
    expect(revoked.status).toBe(202);
    expect(revoked.body).toMatchObject({ task_id: id, revoked: true });
    const result = await api.call('GET', `/api/tasks/${id}/result/?wait=20`, { key: KEY });
    expect(result.body.status).toBe('REVOKED');
    expect(result.body.error.type).toBe('TaskRevokedError');
    expect(smtp.mails.some((m) => m.envelopeTo.includes(to))).toBe(false);
    const again = await api.call('DELETE', `/api/tasks/${id}/`, { key: KEY });
    expect(again.status).toBe(409);
  });
});
