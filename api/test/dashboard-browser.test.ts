import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestSmtpServer, type TestSmtpServer } from '../../testing/smtp-server';
import { createPrivateVhost, type PrivateVhost } from '../../testing/private-vhost';
import { AMQP_URL, MGMT_URL, REPO_ROOT, eventually, uniqueName } from '../../testing/stack';
import { spawnBurrow, type WorkerProcess } from '../../testing/worker-process';
import { apiKey, startTestApi, type TestApi } from './api-harness';

const KEY = 'dashboard-operator-key';
const OUTPUT = path.join(REPO_ROOT, 'api/test/output');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * The dashboard in headless Chromium against a real API, a real email worker (task events
 * off at start: the API's enable_events broadcast turns them on), real brokers and a real
 * SMTP server. Set UPDATE_DASHBOARD_SCREENSHOT=1 to refresh docs/dashboard.png as well.
 */
describe('the dashboard in a browser', () => {
  let vhost: PrivateVhost;
  let smtp: TestSmtpServer;
  let worker: WorkerProcess;
  let api: TestApi;
  let browser: Browser;
  let page: Page;
  const workerName = `${uniqueName('dash')}@test`;
  // The worker's node name puts its pid after the name: `dash-ab12-4242@test`.
  const workerPrefix = workerName.split('@')[0]!;

  beforeAll(async () => {
    vhost = await createPrivateVhost('api-dashboard');
    smtp = await startTestSmtpServer();
    const keyPrefix = `${uniqueName('api-dashboard')}:`;
    const { username, password } = new URL(AMQP_URL);
    const management = Object.assign(new URL(MGMT_URL), { username, password }).toString();
    [api, browser] = await Promise.all([
      startTestApi({
        RABBITMQ_URL: vhost.url,
        REDIS_KEY_PREFIX: keyPrefix,
        API_KEYS: JSON.stringify([apiKey('operator', KEY)]),
        RABBITMQ_MANAGEMENT_URL: management,
        DASHBOARD_ENABLE_EVENTS_INTERVAL: '2',
      }),
      chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] }),
    ]);
    // Started after the API, so its worker-online reaches the API's event queue.
    worker = spawnBurrow(
      {
        RABBITMQ_URL: vhost.url,
        REDIS_KEY_PREFIX: keyPrefix,
        SMTP_HOST: smtp.host,
        SMTP_PORT: String(smtp.port),
        SMTP_TIMEOUT: '5',
        SMTP_FROM: 'Burrow <noreply@burrow.test>',
        WORKER_NAME: workerName,
        WORKER_TRACK_STARTED: 'true',
        WORKER_HEARTBEAT_INTERVAL: '1',
      },
      ['--queues', 'email', '--concurrency', '3'],
    );
    await worker.waitForLine(/worker ready/);
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    worker?.kill();
    await worker?.exited;
    await smtp?.close();
    await vhost?.close();
  });

  /** Sends an email task through the API; its id. */
  async function sendEmail(to: string): Promise<string> {
    const posted = await api.call('POST', '/api/tasks/email/', {
      key: KEY,
      body: { to_email: to, subject: 'Dashboard', body: 'seen in the history' },
    });
    expect(posted.status).toBe(202);
    return posted.body.task_id as string;
  }

  it('asks for the key, then shows the worker and the queues', async () => {
    await page.goto(api.url);
    const keyField = page.getByLabel('API key');
    await keyField.waitFor();
    await keyField.fill(KEY);
    await page.getByRole('button', { name: 'Use key' }).click();
    const row = page.locator(`#workers tr[data-worker^="${workerPrefix}-"]`);
    await row.locator('.status-online').waitFor({ timeout: 20_000 });
    // Concurrency and queues come from remote control, a poll or two later.
    await waitForText(
      page,
      `#workers tr[data-worker^="${workerPrefix}-"] td:nth-of-type(2)`,
      'email',
    );
    await waitForText(page, `#workers tr[data-worker^="${workerPrefix}-"] td:nth-of-type(3)`, '3');
    // One consumer, once the management API's statistics (a few seconds behind) show it.
    await waitForText(page, '#queues tr[data-queue="email"] td:nth-of-type(3)', '1');
    expect(await page.locator('#queues tr[data-queue="notifications"]').count()).toBe(1);
    expect(await page.evaluate("sessionStorage.getItem('burrow-api-key')")).toBe(KEY);
  });

  it('shows a task sent during the test in the history, and its result on its page', async () => {
    const to = `${uniqueName('history')}@example.com`;
    const id = await sendEmail(to);
    await page.getByLabel('Task id').fill(id);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator(`#tasks tr[data-task="${id}"] .state-success`).waitFor({ timeout: 20_000 });
    expect(await page.locator(`#tasks tr[data-task="${id}"]`).textContent()).toContain(
      'tasks.email_tasks.send_email_task',
    );
    await page.locator(`#tasks tr[data-task="${id}"] a`).click();
    await page.waitForURL(`**/tasks/${id}`);
    const detail = page.locator('#task');
    await detail.getByRole('heading', { name: 'Result' }).waitFor({ timeout: 10_000 });
    expect(await detail.textContent()).toContain(to);
    expect(await detail.locator('.facts').textContent()).toContain(workerPrefix);
    await page.goto(api.url);
  });

  it('replays a dead letter from the page, and the task then succeeds', async () => {
    const to = `${uniqueName('dead')}@example.com`;
    smtp.refuseRecipient(to, 550, 1);
    const id = await sendEmail(to);
    const failed = await api.call('GET', `/api/tasks/${id}/result/?wait=20`, { key: KEY });
    expect(failed.body.status).toBe('FAILURE');
    await waitForText(page, '#queues tr[data-queue="email"] td:last-child', /^1 /);
    await page.getByRole('button', { name: 'Show dead letters of email' }).click();
    const letter = page.locator(`#dead-letters tr[data-dead-task="${id}"]`);
    await letter.waitFor();
    expect(await letter.textContent()).toMatch(/550/);
    await page.getByLabel('Task id').fill('');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator(`#tasks tr[data-task="${id}"] .state-failure`).waitFor({ timeout: 15_000 });
    await saveScreenshot(page);

    await letter.getByRole('button', { name: `Replay ${id}` }).click();
    await page.getByText(`Replayed 1 dead letter(s) of email: ${id}`).waitFor({ timeout: 10_000 });
    await eventually(
      async () =>
        (await api.call('GET', `/api/tasks/${id}/status/`, { key: KEY })).body.status === 'SUCCESS',
      20_000,
      'the replayed task to succeed',
    );
    await smtp.waitForMails(1, { filter: (m) => m.envelopeTo.includes(to) });
    await page.locator(`#tasks tr[data-task="${id}"] .state-success`).waitFor({ timeout: 15_000 });
    expect(await page.locator(`#dead-letters tr[data-dead-task="${id}"]`).count()).toBe(0);
  });
});

/** Waits until the element's text is `expected` (or matches it). */
async function waitForText(page: Page, selector: string, expected: string | RegExp): Promise<void> {
  await page.waitForFunction(
    ([css, text, isPattern]) => {
      // Runs in the page: `document` is the browser's.
      const found =
        (
          globalThis as unknown as {
            document: { querySelector(s: string): { textContent: string | null } | null };
          }
        ).document.querySelector(css)?.textContent ?? '';
      return isPattern ? new RegExp(text).test(found) : found === text;
    },
    [
      selector,
      typeof expected === 'string' ? expected : expected.source,
      typeof expected !== 'string',
    ] as const,
    { timeout: 20_000 },
  );
}

/** The page as it looks now, under the test output (and in docs/ when asked for). */
async function saveScreenshot(page: Page): Promise<void> {
  fs.mkdirSync(OUTPUT, { recursive: true });
  const image = await page.screenshot({ fullPage: true });
  fs.writeFileSync(path.join(OUTPUT, 'dashboard.png'), image);
  if (process.env.UPDATE_DASHBOARD_SCREENSHOT === '1')
    fs.writeFileSync(path.join(REPO_ROOT, 'docs/dashboard.png'), image);
}
