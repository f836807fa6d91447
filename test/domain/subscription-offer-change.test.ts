import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  batchRefund,
  billingPeriods,
  chargeBatchesForPeriod,
  periodCharge,
  termEnd,
  termMonths,
  type LicenseBatch,
  type TermChoice,
} from '../../src/domain/subscription-billing';
import {
  offerChangeProration,
  offerChangeRefusal,
  repriceOpenBatches,
  type OfferForChange,
} from '../../src/domain/subscription-offer-change';
import type { SubscriptionMonth } from '../../src/domain/subscription-time';
import { calendar, choice, instant, month, quantity, unitPrice } from './subscription-arbitraries';

/**
 * A term's charges when the offer changes at `at`, as the workflow records them: each period charged
 * whole at its start at the price in force then (a period starting at the change instant is charged
 * before the change applies), and the changed period's remainder refunded at the old price and
 * charged at the new one.
 */
function termChargesWithOfferChange(
  start: Date,
  termChoice: TermChoice,
  subscriptionMonth: SubscriptionMonth,
  prices: { from: number; to: number },
  licenses: number,
  at: Date,
) {
  const periods = billingPeriods(start, termChoice, subscriptionMonth);
  const changed = periods.filter((period) => period.start.getTime() <= at.getTime()).at(-1)!;
  const whole = periods.reduce(
    (sum, period) =>
      sum + periodCharge(period.start.getTime() <= at.getTime() ? prices.from : prices.to, period.months, licenses),
    0,
  );
  const proration = offerChangeProration({
    fromUnitPrice: prices.from,
    toUnitPrice: prices.to,
    period: changed,
    at,
    quantity: licenses,
  });
  return { periods, changed, total: whole - proration.credit + proration.charge, proration };
}

describe('proration of an immediate offer change', () => {
  it('refunds the rest of the period at the old price and charges it at the new one (a worked example)', () => {
    // January 2025 (31 days), changed at noon on the 16th: 15.5 days left, half the month.
    const [period] = billingPeriods(
      new Date('2025-01-01T00:00:00Z'),
      { term: 'P1Y', billingFrequency: 'monthly' },
      calendar,
    );
    const proration = offerChangeProration({
      fromUnitPrice: 3600,
      toUnitPrice: 5700,
      period: period!,
      at: new Date('2025-01-16T12:00:00Z'),
      quantity: 10,
    });
    expect(proration).toEqual({ creditPerLicense: 1800, chargePerLicense: 2850, credit: 18_000, charge: 28_500 });
  });

  it('rounds half up once per license, then multiplies by the quantity', () => {
    // 29 of 31 days left: 3600 × 29 / 31 = 3367.74 → 3368; 5700 × 29 / 31 = 5332.26 → 5332.
    const [period] = billingPeriods(
      new Date('2025-01-01T00:00:00Z'),
      { term: 'P1Y', billingFrequency: 'monthly' },
      calendar,
    );
    const proration = offerChangeProration({
      fromUnitPrice: 3600,
      toUnitPrice: 5700,
      period: period!,
      at: new Date('2025-01-03T00:00:00Z'),
      quantity: 7,
    });
    expect(proration).toEqual({ creditPerLicense: 3368, chargePerLicense: 5332, credit: 3368 * 7, charge: 5332 * 7 });
  });

  it("property: with the offer changed at a random instant, a term's charges add up to the old price before it and the new one after it, within a cent per license", () => {
    fc.assert(
      fc.property(
        instant,
        choice,
        month,
        unitPrice,
        unitPrice,
        quantity,
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        (start, termChoice, subscriptionMonth, from, to, licenses, share) => {
          const end = termEnd(start, termChoice.term, subscriptionMonth);
          const at = new Date(start.getTime() + Math.floor(share * (end.getTime() - start.getTime())));
          const { periods, changed, total } = termChargesWithOfferChange(
            start,
            termChoice,
            subscriptionMonth,
            { from, to },
            licenses,
            at,
          );
          expect(Number.isInteger(total)).toBe(true);
          // The formula of §6, piecewise: months before the change at the old price, after it at the new one.
          const length = changed.end.getTime() - changed.start.getTime();
          const remaining = (changed.end.getTime() - at.getTime()) / length;
          const monthsAtOld =
            periods
              .filter((period) => period.start.getTime() <= at.getTime())
              .reduce((sum, period) => sum + period.months, 0) -
            changed.months * remaining;
          const exact = licenses * (from * monthsAtOld + to * (termMonths[termChoice.term] - monthsAtOld));
          expect(Math.abs(total - exact)).toBeLessThanOrEqual(licenses + 1e-6 * Math.abs(exact));
          if (from === to) expect(total).toBe(from * termMonths[termChoice.term] * licenses);
        },
      ),
    );
  });

  it('property: an upgrade never costs less than staying and never more than the new offer all term', () => {
    fc.assert(
      fc.property(
        instant,
        choice,
        month,
        unitPrice,
        fc.integer({ min: 0, max: 100_000 }),
        quantity,
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        (start, termChoice, subscriptionMonth, from, raise, licenses, share) => {
          const to = from + raise;
          const end = termEnd(start, termChoice.term, subscriptionMonth);
          const at = new Date(start.getTime() + Math.floor(share * (end.getTime() - start.getTime())));
          const { total, proration } = termChargesWithOfferChange(
            start,
            termChoice,
            subscriptionMonth,
            { from, to },
            licenses,
            at,
          );
          expect(proration.charge).toBeGreaterThanOrEqual(proration.credit);
          expect(total).toBeGreaterThanOrEqual(from * termMonths[termChoice.term] * licenses);
          expect(total).toBeLessThanOrEqual(to * termMonths[termChoice.term] * licenses);
        },
      ),
    );
  });
});

describe('refunds after an offer change', () => {
  const start = new Date('2025-01-01T00:00:00Z');
  const [january] = billingPeriods(start, { term: 'P1Y', billingFrequency: 'monthly' }, calendar);
  const bought: LicenseBatch[] = chargeBatchesForPeriod(
    [
      {
        id: 'term',
        quantity: 1,
        purchasedAt: start.toISOString(),
        allowedUntil: '2025-01-08T00:00:00.000Z',
        chargedPerLicense: 0,
      },
    ],
    3600,
    1,
  );

  it('count the days before the change at the old price and the days after it at the new one', () => {
    const at = new Date('2025-01-03T00:00:00Z'); // two days used at 36.00
    const proration = offerChangeProration({
      fromUnitPrice: 3600,
      toUnitPrice: 5700,
      period: january!,
      at,
      quantity: 1,
    });
    const [batch] = repriceOpenBatches(bought, {
      fromUnitPrice: 3600,
      toUnitPrice: 5700,
      proration,
      at,
      month: calendar,
    });
    // Paid 3600 − 3368 + 5332 = 5564; used 2 days at 36.00 × 12 / 365 (236.71) and 1 at 57.00 × 12 / 365 (187.40): 424.
    expect(batchRefund(batch!, 1, 5700, new Date('2025-01-03T12:00:00Z'), calendar)).toBe(5564 - 424);
  });

  it('leave batches whose window has closed as they were, and change nothing when the price is the same', () => {
    const at = new Date('2025-01-10T00:00:00Z');
    const proration = offerChangeProration({
      fromUnitPrice: 3600,
      toUnitPrice: 5700,
      period: january!,
      at,
      quantity: 1,
    });
    expect(
      repriceOpenBatches(bought, { fromUnitPrice: 3600, toUnitPrice: 5700, proration, at, month: calendar }),
    ).toEqual(bought);
    const early = new Date('2025-01-02T00:00:00Z');
    const same = offerChangeProration({
      fromUnitPrice: 3600,
      toUnitPrice: 3600,
      period: january!,
      at: early,
      quantity: 1,
    });
    expect(
      repriceOpenBatches(bought, {
        fromUnitPrice: 3600,
        toUnitPrice: 3600,
        proration: same,
        at: early,
        month: calendar,
      }),
    ).toEqual(bought);
  });
});

describe('which offer a subscription can change to now', () => {
  const current = {
    offer: { id: 'teams-essentials', currency: 'EUR' },
    quantity: 10,
    term: 'P1M' as const,
    billingFrequency: 'monthly' as const,
  };
  const offer = (overrides: Partial<OfferForChange>): OfferForChange => ({
    id: 'm365-business-basic',
    name: 'Microsoft 365 Business Basic',
    unitPrice: 600,
    currency: 'EUR',
    minQuantity: 1,
    maxQuantity: 300,
    terms: [{ term: 'P1M', billingFrequencies: ['monthly'] }],
    ...overrides,
  });

  it.each([
    ['an offer in another currency', { currency: 'USD' }, 'OFFER_CURRENCY_MISMATCH'],
    ['an offer that takes fewer licenses', { maxQuantity: 1 }, 'QUANTITY_OUT_OF_BOUNDS'],
    ['an offer that needs more licenses', { minQuantity: 11 }, 'QUANTITY_OUT_OF_BOUNDS'],
    [
      "an offer that does not sell the subscription's term",
      { terms: [{ term: 'P1Y' as const, billingFrequencies: ['monthly' as const] }] },
      'TERM_NOT_OFFERED',
    ],
    [
      'an offer that bills the term differently',
      { terms: [{ term: 'P1M' as const, billingFrequencies: ['annual' as const] }] },
      'BILLING_FREQUENCY_NOT_OFFERED',
    ],
  ])('refuses %s (%o) with %s, pointing at body.offerId', (_name, overrides, code) => {
    expect(offerChangeRefusal(current, offer(overrides))).toMatchObject({ code, details: { path: 'body.offerId' } });
  });

  it('accepts an offer in the same currency that takes the quantity and sells the term as billed', () => {
    expect(offerChangeRefusal(current, offer({}))).toBeNull();
  });
});
