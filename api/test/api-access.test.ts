import fs from 'node:fs';
import path from 'node:path';
import { CATALOGUE } from '@burrow/contracts';
import { TASK_ALIASES } from '@burrow/api';
import { createPrivateVhost, type PrivateVhost } from '../../testing/private-vhost';
import { REPO_ROOT, uniqueName } from '../../testing/stack';
import { apiKey, startTestApi, type TestApi } from './api-harness';

const EMAIL = { to_email: 'user@example.com', subject: 'Test', body: 'Test message' };

/**
 * Keys, limits and validation against a real API on real brokers. No worker runs: tasks stay
 * queued in the test's own vhost, which is deleted afterwards.
 */
describe('burrow-api access control and validation', () => {
  let vhost: PrivateVhost;
  let api: TestApi;

  let env: Record<string, string>;

  beforeAll(async () => {
    vhost = await createPrivateVhost('api-access');
    env = {
      RABBITMQ_URL: vhost.url,
      REDIS_KEY_PREFIX: `${uniqueName('api-access')}:`,
      API_BODY_LIMIT: '8192',
      API_KEYS: JSON.stringify([
        apiKey('backend', 'full-key'),
        apiKey('mailer', 'mail-key', { tasks: ['email'] }),
        apiKey('slow', 'slow-key', { ratePerSecond: 0.5, burst: 2 }),
        apiKey('shared', 'shared-key', { ratePerSecond: 0.5, burst: 2 }),
      ]),
    };
    api = await startTestApi(env);
  });

  afterAll(async () => {
    await api?.stop();
    await vhost?.close();
  });

  it('refuses a missing or wrong key with 401 and a JSON error', async () => {
    const missing = await api.call('POST', '/api/tasks/email/', { body: EMAIL });
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ error: 'missing_key', message: expect.any(String) });
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    const wrong = await api.call('GET', '/api/tasks', { key: 'full-key-but-not' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_key');
    const encoded = await api.call('GET', '/%61pi/tasks');
    expect(encoded.status).toBe(401);
    const header = await api.call('GET', '/api/tasks', { headers: { 'x-api-key': 'full-key' } });
    expect(header.status).toBe(200);
  });

  it('answers 403 when the key may not use the task', async () => {
    const push = await api.call('POST', '/api/tasks/push', {
      key: 'mail-key',
      body: { title: 't', body: 'b', user_tokens: ['x'] },
    });
    expect(push.status).toBe(403);
    expect(push.body.error).toBe('task_forbidden');
  });

  it('rate-limits a key with 429 and Retry-After', async () => {
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<TestApi['call']>> | undefined;
    for (let i = 0; i < 4 && !limited; i++) {
      const r = await api.call('GET', '/api/tasks', { key: 'slow-key' });
      statuses.push(r.status);
      if (r.status === 429) limited = r;
    }
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(limited?.body.error).toBe('rate_limited');
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // The unlimited key is not affected.
    expect((await api.call('GET', '/api/tasks', { key: 'full-key' })).status).toBe(200);
  });

  it('shares a key’s limit between API replicas through Redis', async () => {
    const replica = await startTestApi(env);
    try {
      const a = await api.call('GET', '/api/tasks', { key: 'shared-key' });
      const b = await replica.call('GET', '/api/tasks', { key: 'shared-key' });
      const c = await api.call('GET', '/api/tasks', { key: 'shared-key' });
      const d = await replica.call('GET', '/api/tasks', { key: 'shared-key' });
      expect([a.status, b.status]).toEqual([200, 200]);
      expect([c.status, d.status]).toEqual([429, 429]);
    } finally {
      await replica.stop();
    }
  });

  it('lists every field that fails the contract, by path, and publishes nothing', async () => {
    const r = await api.call('POST', '/api/tasks/email/', {
      key: 'full-key',
      body: { to_email: 'not an address', subject: '', surprise: true },
    });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('invalid_arguments');
    const details = r.body.details as { path: string; message: string }[];
    const paths = details.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['/to_email', '/subject', '/body', '/surprise']));
    expect(details.find((d) => d.path === '/surprise')?.message).toMatch(/Unexpected property/);
  });

  it('checks the scheduling options in the query', async () => {
    const r = await api.call('POST', '/api/tasks/email/?countdown=-1&expires=yesterday', {
      key: 'full-key',
      body: EMAIL,
    });
    expect(r.status).toBe(400);
    expect((r.body.details as { path: string }[]).map((d) => d.path)).toEqual([
      '?countdown',
      '?expires',
    ]);
    const later = await api.call('POST', '/api/tasks/email?countdown=30&expires=600', {
      key: 'full-key',
      body: EMAIL,
    });
    expect(later.status).toBe(202);
    expect(Date.parse(later.body.eta) - Date.now()).toBeGreaterThan(25_000);
    expect(Date.parse(later.body.expires) - Date.now()).toBeGreaterThan(590_000);
  });

  it('refuses bodies over the limit with 413, non-JSON with 400, unknown tasks with 404', async () => {
    const big = await api.call('POST', '/api/tasks/email/', {
      key: 'full-key',
      body: { ...EMAIL, body: 'x'.repeat(10_000) },
    });
    expect(big.status).toBe(413);
    expect(big.body.error).toBe('payload_too_large');
    const broken = await api.call('POST', '/api/tasks/email/', { key: 'full-key', raw: '{"to' });
    expect(broken.status).toBe(400);
    expect(broken.body.error).toBe('bad_request');
    const unknown = await api.call('POST', '/api/tasks/constructor/', {
      key: 'full-key',
      body: {},
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('unknown_task');
  });

  it('returns the same task for a repeated Idempotency-Key, and 409 for a different body', async () => {
    const key = uniqueName('idem');
    const first = await api.call('POST', '/api/tasks/email/', {
      key: 'full-key',
      body: EMAIL,
      headers: { 'idempotency-key': key },
    });
    const again = await api.call('POST', '/api/tasks/email', {
      key: 'full-key',
      body: { body: EMAIL.body, subject: EMAIL.subject, to_email: EMAIL.to_email },
      headers: { 'idempotency-key': key },
    });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body.task_id).toBe(first.body.task_id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const other = await api.call('POST', '/api/tasks/email/', {
      key: 'full-key',
      body: { ...EMAIL, subject: 'Another' },
      headers: { 'idempotency-key': key },
    });
    expect(other.status).toBe(409);
    expect(other.body.error).toBe('idempotency_key_reused');
    const fresh = await api.call('POST', '/api/tasks/email/', { key: 'full-key', body: EMAIL });
    expect(fresh.body.task_id).not.toBe(first.body.task_id);
  });

  it('answers 202 for a pending task, 404 for an unknown one, both slash spellings', async () => {
    const sent = await api.call('POST', '/api/tasks/tasks.email_tasks.send_email_task', {
      key: 'full-key',
      body: EMAIL,
    });
    expect(sent.status).toBe(202);
    const id = sent.body.task_id as string;
    for (const suffix of ['/result/', '/result']) {
      const r = await api.call('GET', `/api/tasks/${id}${suffix}`, { key: 'full-key' });
      expect(r.status).toBe(202);
      expect(r.body).toMatchObject({ task_id: id, status: 'PENDING', result: null });
    }
    const status = await api.call('GET', `/api/tasks/${id}/status`, { key: 'full-key' });
    expect(status.body).toMatchObject({
      task_id: id,
      status: 'PENDING',
      name: 'tasks.email_tasks.send_email_task',
      queue: 'email',
      submitted_at: expect.any(String),
    });
    const unknown = uniqueName('no-such-task');
    expect(
      (await api.call('GET', `/api/tasks/${unknown}/status/`, { key: 'full-key' })).status,
    ).toBe(404);
    const r = await api.call('GET', `/api/tasks/${unknown}/result/?wait=5`, { key: 'full-key' });
    expect(r.status).toBe(404);
    expect(r.body.error).toBe('unknown_task_id');
  });

  it('lists the catalogue with an alias and schemas for every task', async () => {
    const r = await api.call('GET', '/api/tasks/', { key: 'full-key' });
    const tasks = r.body.tasks as {
      name: string;
      alias: string;
      submit_url: string;
      kwargs: { required: string[] };
    }[];
    expect(tasks.map((t) => t.name)).toEqual(CATALOGUE.map((c) => c.name));
    const email = tasks.find((t) => t.alias === 'email')!;
    expect(email.kwargs.required).toEqual(['to_email', 'subject', 'body']);
    expect(email.submit_url).toBe('/api/tasks/email/');
    expect(Object.keys(TASK_ALIASES)).toHaveLength(CATALOGUE.length);
  });

  it('serves the committed OpenAPI document, a docs page, probes and metrics without a key', async () => {
    const openapi = await api.call('GET', '/docs/openapi.json');
    expect(openapi.status).toBe(200);
    expect(openapi.body.openapi).toBe('3.1.0');
    for (const alias of Object.keys(TASK_ALIASES))
      expect(openapi.body.paths[`/api/tasks/${alias}/`].post.requestBody).toBeDefined();
    // The committed copy is the same document (docs:check keeps it current).
    const committed = JSON.parse(
      fs.readFileSync(path.join(REPO_ROOT, 'docs/openapi.json'), 'utf8'),
    );
    expect(Object.keys(committed.paths)).toEqual(Object.keys(openapi.body.paths));
    const page = await api.call('GET', '/docs');
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.body).toContain('/api/tasks/email/');
    expect((await api.call('GET', '/healthz')).status).toBe(200);
    expect((await api.call('GET', '/readyz')).body).toBe('ready\n');
    const metrics = await api.call('GET', '/metrics');
    expect(metrics.body).toMatch(
      /burrow_api_requests_total\{method="POST",route="\/api\/tasks\/:task",status="202"/,
    );
    expect(metrics.body).toMatch(
      /burrow_api_submissions_total\{task="tasks.email_tasks.send_email_task",outcome="published"/,
    );
  });
});
