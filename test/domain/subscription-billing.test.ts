import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  batchRefund,
  billingPeriods,
  cancellationRefund,
  chargeBatchesForPeriod,
  frequenciesForTerm,
  periodCharge,
  planLicenseRemoval,
  proratedChargePerLicense,
  refundableQuantities,
  resolveTermChoice,
  termEnd,
  termMonths,
  type LicenseBatch,
} from '../../src/domain/subscription-billing';
import { addMonths } from '../../src/domain/subscription-time';
import { calendar, choice, instant, month, quantity, unitPrice } from './subscription-arbitraries';

describe('billing periods and charges', () => {
  it("property: a term's charges cover it exactly and add up to unitPrice × months × quantity to the cent", () => {
    fc.assert(
      fc.property(
        instant,
        choice,
        month,
        unitPrice,
        quantity,
        (start, termChoice, subscriptionMonth, price, licenses) => {
          const periods = billingPeriods(start, termChoice, subscriptionMonth);
          expect(periods[0]!.start).toEqual(start);
          expect(periods.at(-1)!.end).toEqual(termEnd(start, termChoice.term, subscriptionMonth));
          periods.slice(1).forEach((period, index) => expect(period.start).toEqual(periods[index]!.end));
          const total = periods.reduce((sum, period) => sum + periodCharge(price, period.months, licenses), 0);
          expect(Number.isInteger(total)).toBe(true);
          expect(total).toBe(price * termMonths[termChoice.term] * licenses);
        },
      ),
    );
  });

  it('property: licenses added mid-period pay a share between nothing and the full period, less the later they come', () => {
    fc.assert(
      fc.property(
        instant,
        choice,
        month,
        unitPrice,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (start, termChoice, subscriptionMonth, price, a, b) => {
          const [period] = billingPeriods(start, termChoice, subscriptionMonth);
          const at = (share: number) =>
            new Date(period!.start.getTime() + Math.floor(share * (period!.end.getTime() - period!.start.getTime())));
          const [early, late] = a <= b ? [at(a), at(b)] : [at(b), at(a)];
          const full = periodCharge(price, period!.months, 1);
          const earlyCharge = proratedChargePerLicense(price, period!, early);
          expect(Number.isInteger(earlyCharge)).toBe(true);
          expect(earlyCharge).toBeGreaterThanOrEqual(proratedChargePerLicense(price, period!, late));
          expect(proratedChargePerLicense(price, period!, period!.start)).toBe(full);
          expect(proratedChargePerLicense(price, period!, period!.end)).toBe(0);
        },
      ),
    );
  });

  it('property: with licenses added at random times, the term total is the full-period charges plus each addition prorated, never more than the final quantity all term', () => {
    fc.assert(
      fc.property(
        instant,
        choice,
        month,
        unitPrice,
        quantity,
        fc.array(
          fc.record({ at: fc.double({ min: 0, max: 0.999, noNaN: true }), quantity: fc.integer({ min: 1, max: 50 }) }),
          { maxLength: 6 },
        ),
        (start, termChoice, subscriptionMonth, price, initial, additions) => {
          const periods = billingPeriods(start, termChoice, subscriptionMonth);
          const end = termEnd(start, termChoice.term, subscriptionMonth);
          const timeline = additions
            .map((addition) => ({
              at: new Date(start.getTime() + Math.floor(addition.at * (end.getTime() - start.getTime()))),
              quantity: addition.quantity,
            }))
            .sort((x, y) => x.at.getTime() - y.at.getTime());
          let licenses = initial;
          let total = 0;
          for (const period of periods) {
            total += periodCharge(price, period.months, licenses);
            for (const addition of timeline.filter(
              (candidate) => candidate.at >= period.start && candidate.at < period.end,
            )) {
              total += proratedChargePerLicense(price, period, addition.at) * addition.quantity;
              licenses += addition.quantity;
            }
          }
          expect(Number.isInteger(total)).toBe(true);
          expect(total).toBeGreaterThanOrEqual(price * termMonths[termChoice.term] * initial);
          expect(total).toBeLessThanOrEqual(price * termMonths[termChoice.term] * licenses + timeline.length);
        },
      ),
    );
  });
});

describe('refunds', () => {
  const batch = (overrides: Partial<LicenseBatch> = {}): LicenseBatch => ({
    id: 'b1',
    quantity: 10,
    purchasedAt: '2025-01-01T00:00:00.000Z',
    allowedUntil: '2025-01-08T00:00:00.000Z',
    chargedPerLicense: 1_200,
    ...overrides,
  });

  it('returns what was charged minus the days used at unitPrice × 12 / 365 (a worked example)', () => {
    // 10 licenses at 12.00/month, 3 days used: 1200 × 12 × 10 × 3 / 365 = 1183.56 → 1184 cents used.
    expect(batchRefund(batch(), 10, 1_200, new Date('2025-01-03T12:00:00Z'), calendar)).toBe(12_000 - 1_184);
  });

  it('property: a refund is never negative and never more than was charged; on the first instant it is everything', () => {
    fc.assert(
      fc.property(
        unitPrice,
        quantity,
        fc.integer({ min: 0, max: 1_200_000 }),
        fc.integer({ min: 0, max: 4_000 }),
        month,
        (price, licenses, charged, days, subscriptionMonth) => {
          const purchased = batch({ quantity: licenses, chargedPerLicense: charged });
          const at = new Date(Date.parse(purchased.purchasedAt) + days * 3_600_000);
          const refund = batchRefund(purchased, licenses, price, at, subscriptionMonth);
          expect(Number.isInteger(refund)).toBe(true);
          expect(refund).toBeGreaterThanOrEqual(0);
          expect(refund).toBeLessThanOrEqual(charged * licenses);
          expect(batchRefund(purchased, licenses, price, new Date(purchased.purchasedAt), subscriptionMonth)).toBe(
            charged * licenses,
          );
        },
      ),
    );
  });

  it('cancelling refunds every batch; a new period charge raises what each license paid', () => {
    const batches = chargeBatchesForPeriod([batch({ chargedPerLicense: 0 })], 1_200, 1);
    expect(batches[0]!.chargedPerLicense).toBe(1_200);
    expect(
      cancellationRefund(batches, { unitPrice: 1_200, at: new Date('2025-01-01T00:00:00Z'), month: calendar }),
    ).toBe(12_000);
  });
});

describe('removing licenses', () => {
  const at = new Date('2025-01-05T00:00:00Z');
  const batches: LicenseBatch[] = [
    {
      id: 'closed',
      quantity: 5,
      purchasedAt: '2024-12-01T00:00:00.000Z',
      allowedUntil: '2024-12-08T00:00:00.000Z',
      chargedPerLicense: 1_200,
    },
    {
      id: 'older',
      quantity: 3,
      purchasedAt: '2025-01-01T00:00:00.000Z',
      allowedUntil: '2025-01-08T00:00:00.000Z',
      chargedPerLicense: 1_000,
    },
    {
      id: 'newer',
      quantity: 2,
      purchasedAt: '2025-01-04T00:00:00.000Z',
      allowedUntil: '2025-01-11T00:00:00.000Z',
      chargedPerLicense: 900,
    },
  ];

  it('lists what is refundable, soonest window end first', () => {
    expect(refundableQuantities(batches, at)).toEqual([
      { quantity: 3, allowedUntil: '2025-01-08T00:00:00.000Z' },
      { quantity: 2, allowedUntil: '2025-01-11T00:00:00.000Z' },
    ]);
  });

  it('takes the newest licenses first and refunds each batch prorated', () => {
    const plan = planLicenseRemoval(batches, 3, { unitPrice: 1_200, at, month: calendar });
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    expect(plan.takes.map((take) => [take.batchId, take.quantity])).toEqual([
      ['newer', 2],
      ['older', 1],
    ]);
    expect(plan.batches.map((entry) => [entry.id, entry.quantity])).toEqual([
      ['closed', 5],
      ['older', 2],
    ]);
    expect(plan.refund).toBe(plan.takes.reduce((sum, take) => sum + take.refund, 0));
  });

  it('refuses more than the licenses still inside their window, naming how many could go', () => {
    const plan = planLicenseRemoval(batches, 6, { unitPrice: 1_200, at, month: calendar });
    expect(plan).toMatchObject({ ok: false, removableQuantity: 5 });
  });
});

describe('term and billing frequency of a line', () => {
  const offer = {
    id: 'm365-e3',
    billingCycle: 'annual',
    terms: [
      { term: 'P1Y' as const, billingFrequencies: ['monthly' as const, 'annual' as const] },
      { term: 'P3Y' as const, billingFrequencies: ['monthly' as const, 'annual' as const, 'triennial' as const] },
    ],
  };

  it.each([
    [{}, { term: 'P1Y', billingFrequency: 'annual' }],
    [{ term: 'P3Y' as const }, { term: 'P3Y', billingFrequency: 'annual' }],
    [{ billingFrequency: 'triennial' as const }, { term: 'P3Y', billingFrequency: 'triennial' }],
    [{ term: 'P1M' as const }, { code: 'TERM_NOT_OFFERED' }],
    [{ term: 'P1Y' as const, billingFrequency: 'triennial' as const }, { code: 'BILLING_FREQUENCY_NOT_OFFERED' }],
  ])('%o → %o', (wanted, expected) => {
    expect(resolveTermChoice(offer, wanted)).toMatchObject(expected);
  });

  it('defaults to monthly when the billing cycle does not fit the first term', () => {
    expect(
      resolveTermChoice(
        { id: 'x', billingCycle: 'annual', terms: [{ term: 'P1M', billingFrequencies: ['monthly'] }] },
        {},
      ),
    ).toEqual({
      term: 'P1M',
      billingFrequency: 'monthly',
    });
  });

  it('a period never outlasts its term', () => {
    expect(frequenciesForTerm('P1M')).toEqual(['monthly']);
    expect(frequenciesForTerm('P3Y')).toEqual(['monthly', 'annual', 'triennial']);
    expect(addMonths(new Date('2025-01-31T00:00:00Z'), 0, calendar).toISOString()).toBe('2025-01-31T00:00:00.000Z');
  });
});
