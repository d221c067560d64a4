import { compileContract, processUserDataTask } from '@burrow/contracts';
import { PermanentError } from '@burrow/shared';
import { processUserData } from '../../src/data-processing/process-user-data';
import { hourlySlot, updateExchangeRates } from '../../src/data-processing/update-exchange-rates';
import { API_KEY, startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe('process_user_data_task', () => {
  it("the seed's call: profile_update posts the checked changes with API key and task id", async () => {
    const ctx = h.ctx();
    const result = await processUserData(
      { user_id: 123, data_type: 'profile_update', data: { name: ' John Doe ', email: 'J@X.Org' } },
      ctx,
    );
    expect(result).toEqual({
      user_id: 123,
      data_type: 'profile_update',
      completed: ['profile_update'],
      failed: [],
    });
    expect(h.backend.receivedOn('/internal/users/123/data/profile_update')).toEqual([
      expect.objectContaining({
        method: 'POST',
        body: {
          user_id: 123,
          data_type: 'profile_update',
          changes: { name: 'John Doe', email: 'j@x.org' },
        },
        idempotencyKey: ctx.taskId,
        apiKey: API_KEY,
      }),
    ]);
  });

  it.each([
    [
      'preferences',
      { theme: 'dark', emails: false },
      { preferences: { theme: 'dark', emails: false } },
    ],
    ['export_data', {}, { format: 'json' }],
    ['generate_recommendations', { limit: 5 }, { limit: 5 }],
    ['cleanup_activity', {}, { older_than_days: 90 }],
  ] as const)('%s posts its outcome', async (dataType, data, outcome) => {
    const ctx = h.ctx();
    await processUserData({ user_id: 7, data_type: dataType, data }, ctx);
    const [call] = h.backend.received.filter((r) => r.idempotencyKey === ctx.taskId);
    expect(call?.path).toBe(`/internal/users/7/data/${dataType}`);
    expect(call?.body).toEqual({ user_id: 7, data_type: dataType, ...outcome });
  });

  it('activity events get a normal timestamp', async () => {
    const ctx = h.ctx();
    await processUserData(
      {
        user_id: 8,
        data_type: 'activity',
        data: { action: 'login', occurred_at: '2024-05-01T10:00:00+02:00' },
      },
      ctx,
    );
    const [call] = h.backend.received.filter((r) => r.idempotencyKey === ctx.taskId);
    expect(call?.body).toMatchObject({
      events: [{ action: 'login', occurred_at: '2024-05-01T08:00:00.000Z', metadata: {} }],
    });
  });

  it('bad data is a permanent error saying what is wrong, and nothing is posted', async () => {
    const ctx = h.ctx();
    const error = await processUserData(
      { user_id: 9, data_type: 'profile_update', data: { nickname: 'x' } },
      ctx,
    ).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).code).toBe('invalid_data');
    expect((error as Error).message).toMatch(/unknown profile field\(s\) nickname; accepted: name/);
    expect(h.backend.received.filter((r) => r.idempotencyKey === ctx.taskId)).toEqual([]);
  });

  it('an unknown data_type is refused naming the accepted ones, by the contract and the handler', async () => {
    const prepared = compileContract(processUserDataTask).prepare([], {
      user_id: 1,
      data_type: 'profile',
    });
    expect(prepared.ok).toBe(false);
    expect(!prepared.ok && prepared.error.reason).toMatch(/profile_update\|preferences\|activity/);
    const error = await processUserData({ user_id: 1, data_type: 'profile' }, h.ctx()).catch(
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).code).toBe('unknown_data_type');
    expect((error as Error).message).toContain('accepted: profile_update, preferences, activity');
  });

  it('several operations: each under its own key; a permanent failure is reported, the rest run', async () => {
    h.backend.fail('/internal/users/5/data/generate_recommendations', 422);
    const ctx = h.ctx();
    const result = await processUserData(
      { user_id: 5, operations: ['update_statistics', 'generate_recommendations', 'export_data'] },
      ctx,
    );
    expect(result.completed).toEqual(['update_statistics', 'export_data']);
    expect(result.failed).toEqual([
      { operation: 'generate_recommendations', error: expect.stringMatching(/answered 422/) },
    ]);
    expect(h.backend.receivedOn('/internal/users/5/').map((r) => r.idempotencyKey)).toEqual([
      `${ctx.taskId}:update_statistics`,
      `${ctx.taskId}:generate_recommendations`,
      `${ctx.taskId}:export_data`,
    ]);
  });

  it('a 5xx from the backend is retryable', async () => {
    h.backend.fail('/internal/users/6/', 503);
    const error = await processUserData(
      { user_id: 6, data_type: 'preferences', data: { a: 1 } },
      h.ctx(),
    ).catch((err: unknown) => err);
    expect(error).toMatchObject({ retryable: true, code: 'http_503' });
  });
});

describe('update_exchange_rates_task', () => {
  it("POSTs the seed's trigger once per hourly slot, keyed by base and slot", async () => {
    const before = h.backend.receivedOn('/internal/exchange-rates/update').length;
    const first = await updateExchangeRates({ base_currency: 'EUR' }, h.ctx());
    const slot = hourlySlot(new Date());
    expect(first).toMatchObject({
      base_currency: 'EUR',
      slot,
      status_code: 200,
      rates: { EUR: 0.92, UAH: 41.5 },
      source: 'backend',
    });
    const second = await updateExchangeRates({ base_currency: 'EUR' }, h.ctx());
    expect(second).toEqual(first);
    const calls = h.backend.receivedOn('/internal/exchange-rates/update').slice(before);
    expect(calls).toEqual([
      expect.objectContaining({
        body: { base_currency: 'EUR', slot },
        idempotencyKey: `exchange-rates:EUR:${slot}`,
        apiKey: API_KEY,
      }),
    ]);
  });

  it('the next hour is a new slot', async () => {
    const base = Date.UTC(2031, 0, 1, 10, 59);
    let now = base;
    const services = { ...h.services, now: () => now };
    const ctx = () => ({ ...h.ctx(), services });
    await updateExchangeRates({}, ctx());
    now = base + 60_000;
    const next = await updateExchangeRates({}, ctx());
    expect(next.slot).toBe('2031-01-01T11');
    expect(
      h.backend
        .receivedOn('/internal/exchange-rates/update')
        .map((r) => r.idempotencyKey)
        .filter((k) => k?.startsWith('exchange-rates:USD:2031')),
    ).toEqual(['exchange-rates:USD:2031-01-01T10', 'exchange-rates:USD:2031-01-01T11']);
  });

  it('a backend failure is retryable and records no slot', async () => {
    h.backend.fail('/internal/exchange-rates/update', 500);
    await expect(updateExchangeRates({ base_currency: 'GBP' }, h.ctx())).rejects.toMatchObject({
      retryable: true,
    });
    await expect(updateExchangeRates({ base_currency: 'GBP' }, h.ctx())).resolves.toMatchObject({
      status_code: 200,
    });
  });
});
