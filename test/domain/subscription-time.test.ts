import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addMonths, daysUsed, dayLengthMs, type SubscriptionMonth } from '../../src/domain/subscription-time';

const calendar: SubscriptionMonth = { kind: 'calendar' };
const utc = (text: string) => new Date(text);

describe('calendar months (UTC, clamped to the month end)', () => {
  it.each([
    ['2025-01-31T10:00:00Z', 1, '2025-02-28T10:00:00.000Z'],
    ['2024-01-31T10:00:00Z', 1, '2024-02-29T10:00:00.000Z'],
    ['2025-01-31T10:00:00Z', 2, '2025-03-31T10:00:00.000Z'],
    ['2025-03-31T00:00:00Z', 1, '2025-04-30T00:00:00.000Z'],
    ['2025-08-31T23:59:59Z', 6, '2026-02-28T23:59:59.000Z'],
    ['2024-02-29T12:00:00Z', 12, '2025-02-28T12:00:00.000Z'],
    ['2024-02-29T12:00:00Z', 48, '2028-02-29T12:00:00.000Z'],
    ['2025-11-15T08:30:00Z', 36, '2028-11-15T08:30:00.000Z'],
  ])('%s plus %i month(s) is %s', (start, months, expected) => {
    expect(addMonths(utc(start), months, calendar).toISOString()).toBe(expected);
  });

  it('keeps the anchor day when a later month has it again (31 Jan → 28 Feb → 31 Mar, no drift)', () => {
    const anchor = utc('2025-01-31T00:00:00Z');
    expect([1, 2, 3].map((n) => addMonths(anchor, n, calendar).toISOString().slice(0, 10))).toEqual([
      '2025-02-28',
      '2025-03-31',
      '2025-04-30',
    ]);
  });

  it('property: the day is the anchor day clamped to the target month, time of day kept', () => {
    fc.assert(
      fc.property(
        fc.date({ min: utc('2000-01-01T00:00:00Z'), max: utc('2090-12-31T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 120 }),
        (anchor, months) => {
          const result = addMonths(anchor, months, calendar);
          const expectedMonth = (anchor.getUTCMonth() + months) % 12;
          const daysInTarget = new Date(
            Date.UTC(anchor.getUTCFullYear(), anchor.getUTCMonth() + months + 1, 0),
          ).getUTCDate();
          expect(result.getUTCMonth()).toBe(expectedMonth);
          expect(result.getUTCDate()).toBe(Math.min(anchor.getUTCDate(), daysInTarget));
          expect(result.getTime() % 86_400_000).toBe(anchor.getTime() % 86_400_000);
          expect(addMonths(anchor, months + 1, calendar).getTime()).toBeGreaterThan(result.getTime());
        },
      ),
    );
  });
});

describe('compressed months (SUBSCRIPTION_MONTH as a duration)', () => {
  const fixed: SubscriptionMonth = { kind: 'fixed', monthMs: 20_000 };

  it('makes every month the same length and a day the same share of a year', () => {
    const start = utc('2025-01-31T00:00:00Z');
    expect(addMonths(start, 36, fixed).getTime() - start.getTime()).toBe(720_000);
    expect(dayLengthMs(fixed)).toBeCloseTo((20_000 * 12) / 365);
    expect(daysUsed(start, new Date(start.getTime() + 20_000), fixed)).toBe(31); // 30.4 days begun → 31
  });

  it('counts every day begun as used, none before it starts', () => {
    const start = utc('2025-01-01T00:00:00Z');
    expect(daysUsed(start, start, calendar)).toBe(0);
    expect(daysUsed(start, utc('2025-01-01T00:00:01Z'), calendar)).toBe(1);
    expect(daysUsed(start, utc('2025-01-03T00:00:00Z'), calendar)).toBe(2);
  });
});
