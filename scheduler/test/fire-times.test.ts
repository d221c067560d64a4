import {
  catchUpSlots,
  compileEntry,
  expiresSeconds,
  fireTimesBetween,
  nextFireTimes,
  scheduledTaskId,
  slotForTick,
  type ScheduleEntry,
} from '@burrow/scheduler';

const defaults = { timezone: 'UTC', catchUpWindowSeconds: 3600 };
const entry = (e: Partial<ScheduleEntry>) =>
  compileEntry({ name: 'e', cron: '0 * * * *', task: 't', queue: 'q', ...e }, defaults);
const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('next fire times', () => {
  it('reads a 02:30 daily entry in Europe/Kyiv across spring-forward (03:00 → 04:00, 2026-03-29)', () => {
    const e = entry({ cron: '30 2 * * *', timezone: 'Europe/Kyiv' });
    expect(iso(nextFireTimes(e, new Date('2026-03-28T12:00:00Z'), 3))).toEqual([
      '2026-03-29T00:30:00.000Z', // 02:30 EET (+02), still before the jump
      '2026-03-29T23:30:00.000Z', // 02:30 EEST (+03)
      '2026-03-30T23:30:00.000Z',
    ]);
  });

  it('moves a 03:30 entry that does not exist on spring-forward day to the first valid time', () => {
    const e = entry({ cron: '30 3 * * *', timezone: 'Europe/Kyiv' });
    expect(iso(nextFireTimes(e, new Date('2026-03-28T12:00:00Z'), 2))).toEqual([
      '2026-03-29T01:00:00.000Z', // 03:30 is skipped by the clock; fires at 04:00 EEST
      '2026-03-30T00:30:00.000Z',
    ]);
  });

  it('fires an hourly entry every real hour across fall-back (04:00 → 03:00, 2026-10-25)', () => {
    const e = entry({ cron: '0 * * * *', timezone: 'Europe/Kyiv' });
    expect(iso(nextFireTimes(e, new Date('2026-10-24T23:30:00Z'), 4))).toEqual([
      '2026-10-25T00:00:00.000Z', // 03:00 EEST
      '2026-10-25T01:00:00.000Z', // 03:00 EET, the repeated hour
      '2026-10-25T02:00:00.000Z',
      '2026-10-25T03:00:00.000Z',
    ]);
  });

  it('fires a daily 03:00 entry once on fall-back day', () => {
    const e = entry({ cron: '0 3 * * *', timezone: 'Europe/Kyiv' });
    const times = fireTimesBetween(
      e,
      new Date('2026-10-24T12:00:00Z'),
      new Date('2026-10-25T12:00:00Z'),
    );
    expect(times).toHaveLength(1);
  });

  it('supports 6 fields with seconds', () => {
    const e = entry({ cron: '*/2 * * * * *' });
    expect(iso(nextFireTimes(e, new Date('2026-01-01T00:00:00.500Z'), 2))).toEqual([
      '2026-01-01T00:00:02.000Z',
      '2026-01-01T00:00:04.000Z',
    ]);
  });

  it('maps a tick to its slot even when the timer fires slightly early or late', () => {
    const e = entry({ cron: '*/2 * * * * *' });
    expect(slotForTick(e, new Date('2026-01-01T00:00:03.700Z'))?.toISOString()).toBe(
      '2026-01-01T00:00:04.000Z',
    );
    expect(slotForTick(e, new Date('2026-01-01T00:00:04.050Z'))?.toISOString()).toBe(
      '2026-01-01T00:00:04.000Z',
    );
  });

  it('defaults expires to half the period and honours an explicit one', () => {
    const from = new Date('2026-01-01T00:10:00Z');
    expect(expiresSeconds(entry({ cron: '*/5 * * * *' }), from)).toBe(150);
    expect(expiresSeconds(entry({ cron: '0 2 * * *' }), from)).toBe(12 * 3600);
    expect(expiresSeconds(entry({ options: { expiresSeconds: 42 } }), from)).toBe(42);
  });
});

describe('catch-up', () => {
  const now = new Date('2026-01-01T10:20:00Z');
  it('publishes only the latest missed slot by default', () => {
    const e = entry({ cron: '*/5 * * * *' });
    expect(iso(catchUpSlots(e, new Date('2026-01-01T10:00:00Z'), now))).toEqual([
      '2026-01-01T10:20:00.000Z',
    ]);
  });
  it('publishes every missed slot with all, and none with none', () => {
    expect(
      iso(
        catchUpSlots(
          entry({ cron: '*/5 * * * *', catchUp: 'all' }),
          new Date('2026-01-01T10:00:00Z'),
          now,
        ),
      ),
    ).toEqual([
      '2026-01-01T10:05:00.000Z',
      '2026-01-01T10:10:00.000Z',
      '2026-01-01T10:15:00.000Z',
      '2026-01-01T10:20:00.000Z',
    ]);
    expect(
      catchUpSlots(
        entry({ cron: '*/5 * * * *', catchUp: 'none' }),
        new Date('2026-01-01T10:00:00Z'),
        now,
      ),
    ).toEqual([]);
  });
  it('ignores slots outside the window, and does nothing without history or when up to date', () => {
    const e = entry({ cron: '0 * * * *', catchUp: 'all', catchUpWindowSeconds: 600 });
    expect(catchUpSlots(e, new Date('2026-01-01T07:00:00Z'), now)).toEqual([]);
    expect(catchUpSlots(e, null, now)).toEqual([]);
    expect(catchUpSlots(entry({}), new Date('2026-01-01T10:00:00Z'), now)).toEqual([]);
  });
  it('catches up across fall-back in local time', () => {
    const e = entry({
      cron: '0 * * * *',
      timezone: 'Europe/Kyiv',
      catchUp: 'all',
      catchUpWindowSeconds: 7200,
    });
    expect(
      iso(catchUpSlots(e, new Date('2026-10-24T23:00:00Z'), new Date('2026-10-25T01:30:00Z'))),
    ).toEqual(['2026-10-25T00:00:00.000Z', '2026-10-25T01:00:00.000Z']);
  });
});

describe('scheduled task id', () => {
  const slot = new Date('2026-01-01T02:00:00Z');
  it('is the same for the same entry and slot, and a v5 UUID', () => {
    expect(scheduledTaskId('daily', slot)).toBe(scheduledTaskId('daily', new Date(slot.getTime())));
    expect(scheduledTaskId('daily', slot)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
  it('differs by slot and by entry', () => {
    expect(scheduledTaskId('daily', slot)).not.toBe(
      scheduledTaskId('daily', new Date('2026-01-02T02:00:00Z')),
    );
    expect(scheduledTaskId('daily', slot)).not.toBe(scheduledTaskId('other', slot));
  });
});

describe('entry validation', () => {
  it('names the entry for a bad cron, time zone or field count', () => {
    expect(() => entry({ name: 'oops', cron: '61 * * * *' })).toThrow(/entry "oops": invalid cron/);
    expect(() => entry({ name: 'tz', timezone: 'Mars/Base' })).toThrow(
      /entry "tz": unknown time zone/,
    );
    expect(() => entry({ name: 'f', cron: '* * *' })).toThrow(/entry "f": .*5 or 6 fields/);
  });
});
