import { describe, expect, it } from 'vitest';
import {
  orderProblems,
  quantityWithinBounds,
  singleCurrency,
  type CatalogOffer,
  type OrderFacts,
} from '../../src/domain/ordering';

const teams: CatalogOffer = {
  id: 'teams-essentials',
  name: 'Microsoft Teams Essentials',
  minQuantity: 1,
  maxQuantity: 300,
  unitPrice: 400,
  currency: 'EUR',
  billingCycle: 'monthly',
  terms: [{ term: 'P1M', billingFrequencies: ['monthly'] }],
};
const facts = (overrides: Partial<OrderFacts> = {}): OrderFacts => ({
  offers: new Map([[teams.id, teams]]),
  partneredPartnerIds: new Set(['2000001']),
  partneredSupportContact: true,
  ...overrides,
});

describe('order rules', () => {
  it('holds a quantity within the offer bounds, both included', () => {
    expect([0, 1, 300, 301].map((quantity) => quantityWithinBounds(teams, quantity))).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });

  it('wants one currency per order', () => {
    expect(singleCurrency([{ currency: 'EUR' }, { currency: 'EUR' }])).toBe(true);
    expect(singleCurrency([{ currency: 'EUR' }, { currency: 'USD' }])).toBe(false);
  });

  it('accepts a valid order', () => {
    expect(
      orderProblems(
        { items: [{ offerId: teams.id, quantity: 5, partnerIdOnRecord: '2000001' }], supportContactResellerId: 'r-1' },
        facts(),
      ),
    ).toEqual([]);
  });

  it('names each problem of each line, then the support contact', () => {
    const problems = orderProblems(
      {
        items: [
          { offerId: teams.id, quantity: 301, term: 'P1Y', partnerIdOnRecord: '2999999' },
          { offerId: 'nope', quantity: 1 },
        ],
        supportContactResellerId: 'r-2',
      },
      facts({ partneredSupportContact: false }),
    );
    expect(problems.map((problem) => [problem.field, problem.code])).toEqual([
      ['items.0.quantity', 'QUANTITY_OUT_OF_BOUNDS'],
      ['items.0.term', 'TERM_NOT_OFFERED'],
      ['items.0.partnerIdOnRecord', 'PARTNERSHIP_NOT_ACTIVE'],
      ['items.1.offerId', 'OFFER_NOT_FOUND'],
      ['supportContactResellerId', 'PARTNERSHIP_NOT_ACTIVE'],
    ]);
    expect(problems[0]!.message).toBe('Microsoft Teams Essentials takes 1 to 300 licenses, not 301');
  });
});
