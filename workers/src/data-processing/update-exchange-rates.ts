import type { KwargsOf, ResultOf, updateExchangeRatesTask } from '@burrow/contracts';
import type { TaskContext } from '@burrow/shared';
import type { DataProcessingServices } from './services';

type Kwargs = KwargsOf<typeof updateExchangeRatesTask>;
type Result = ResultOf<typeof updateExchangeRatesTask>;

/** The UTC hour `at` falls in, as `YYYY-MM-DDTHH`: one exchange-rate update per slot. */
export function hourlySlot(at: Date): string {
  return at.toISOString().slice(0, 13);
}

/**
 * tasks.data_processing_tasks.update_exchange_rates_task: POSTs `{base_currency, slot}` to the
 * backend's trigger (BACKEND_EXCHANGE_RATES_PATH, `/internal/exchange-rates/update` as the seed
 * does) with `Idempotency-Key: exchange-rates:<base>:<slot>`. The answer is kept per base
 * currency and hourly slot, so a second run in the same hour (a manual call beside the
 * schedule, a redelivery) returns it without calling again; the key lets the backend recognise
 * a call repeated after a crash between its answer and that record.
 */
export async function updateExchangeRates(
  kwargs: Kwargs,
  ctx: TaskContext<DataProcessingServices>,
): Promise<Result> {
  const base_currency = kwargs.base_currency ?? 'USD';
  const { backend, settings, rateSlots, now } = ctx.services;
  const slot = hourlySlot(new Date(now()));
  const slotId = `${base_currency}-${slot}`;
  const done = await rateSlots.get(slotId);
  if (done !== null) {
    ctx.logger.info('exchange rates already updated in this slot', { base_currency, slot });
    return done;
  }
  const response = await backend.call(
    'POST',
    settings.exchangeRatesPath,
    { base_currency, slot },
    { signal: ctx.signal, idempotencyKey: `exchange-rates:${base_currency}:${slot}` },
  );
  const result: Result = {
    base_currency,
    slot,
    status_code: response.status,
    ...ratesOf(response.body),
    fetched_at: new Date(now()).toISOString(),
    source: 'backend',
  };
  ctx.logger.info('exchange rates update triggered', { base_currency, slot });
  return rateSlots.setOnce(slotId, result);
}

/** `{rates}` when the backend answers with a map of positive numbers, else nothing. */
function ratesOf(body: unknown): { rates?: Record<string, number> } {
  const rates = (body as { rates?: unknown } | null)?.rates;
  if (rates === null || typeof rates !== 'object' || Array.isArray(rates)) return {};
  const entries = Object.entries(rates as Record<string, unknown>);
  const valid = entries.every(([, v]) => typeof v === 'number' && Number.isFinite(v) && v > 0);
  return valid ? { rates: rates as Record<string, number> } : {};
}
