import { describe, expect, it } from 'vitest';
import {
  assessOnboardingRequest,
  type OnboardingFacts,
  type OnboardingRequest,
  type PartnerRef,
} from '../../src/domain/onboarding';
import type { CatalogOffer } from '../../src/domain/ordering';

const basic: CatalogOffer = {
  id: 'm365-business-basic',
  name: 'Microsoft 365 Business Basic',
  minQuantity: 1,
  maxQuantity: 300,
  unitPrice: 600,
  currency: 'EUR',
  billingCycle: 'monthly',
  terms: [
    { term: 'P1M', billingFrequencies: ['monthly'] },
    { term: 'P1Y', billingFrequencies: ['monthly', 'annual'] },
  ],
};
const e3: CatalogOffer = {
  ...basic,
  id: 'm365-e3',
  name: 'Microsoft 365 E3',
  unitPrice: 3600,
  billingCycle: 'annual',
  terms: [{ term: 'P1Y', billingFrequencies: ['monthly', 'annual'] }],
};
const fabrikam: PartnerRef = { id: 'r-1', name: 'Fabrikam', partnerId: '2000001' };
const expiresAt = new Date('2026-01-02T00:00:00Z');

const request = (overrides: Partial<OnboardingRequest> = {}): OnboardingRequest => ({
  company: {
    name: 'Woodgrove',
    domainPrefix: 'woodgrove',
    country: 'ES',
    address: { line1: 'Calle 1', city: 'Madrid', postalCode: '28001' },
  },
  contact: { firstName: 'Ana', lastName: 'Ruiz', email: 'ana@woodgrove.example' },
  items: [{ offerId: basic.id, quantity: 10 }],
  ...overrides,
});
const facts = (overrides: Partial<OnboardingFacts> = {}): OnboardingFacts => ({
  domainTaken: false,
  offers: new Map([
    [basic.id, basic],
    [e3.id, e3],
  ]),
  partneredResellers: new Map([[fabrikam.id, fabrikam]]),
  ...overrides,
});

describe('the onboarding review', () => {
  it('prices each line in cents, totals them, resolves the default term and credits the reseller given', () => {
    const { errors, review } = assessOnboardingRequest(
      request({
        resellerId: fabrikam.id,
        items: [
          { offerId: basic.id, quantity: 10 },
          { offerId: e3.id, quantity: 2 },
        ],
      }),
      facts(),
      expiresAt,
    );
    expect(errors).toEqual([]);
    expect(
      review!.lineItems.map(({ lineNumber, lineTotal, term, billingFrequency }) => ({
        lineNumber,
        lineTotal,
        term,
        billingFrequency,
      })),
    ).toEqual([
      { lineNumber: 1, lineTotal: 6_000, term: 'P1M', billingFrequency: 'monthly' },
      { lineNumber: 2, lineTotal: 7_200, term: 'P1Y', billingFrequency: 'annual' },
    ]);
    expect(review).toMatchObject({
      total: 13_200,
      currency: 'EUR',
      customer: { company: { domain: 'woodgrove.onmicrosoft.com' }, adminUsername: 'admin@woodgrove.onmicrosoft.com' },
      reseller: fabrikam,
      partnerOfRecord: { credited: true, partnerId: '2000001' },
      supportContact: null,
      expiresAt: expiresAt.toISOString(),
    });
  });

  it('credits nobody without a reseller, or when the provider opts out', () => {
    expect(assessOnboardingRequest(request(), facts(), expiresAt).review!.partnerOfRecord).toEqual({
      credited: false,
      partnerId: null,
    });
    const optedOut = assessOnboardingRequest(
      request({ resellerId: fabrikam.id, creditResellerAsPartnerOfRecord: false }),
      facts(),
      expiresAt,
    );
    expect(optedOut.review!.partnerOfRecord).toEqual({ credited: false, partnerId: null });
  });

  it('lists every problem in request order, and builds no review', () => {
    const usd: CatalogOffer = { ...e3, id: 'usd-offer', currency: 'USD' };
    const { errors, review } = assessOnboardingRequest(
      request({
        creditResellerAsPartnerOfRecord: true,
        supportContactResellerId: 'r-unknown',
        items: [
          { offerId: basic.id, quantity: 301 },
          { offerId: basic.id, quantity: 1, term: 'P3Y' },
          { offerId: 'nope', quantity: 1 },
          { offerId: usd.id, quantity: 1, billingFrequency: 'triennial' },
        ],
      }),
      facts({
        domainTaken: true,
        offers: new Map([
          [basic.id, basic],
          [usd.id, usd],
        ]),
      }),
      expiresAt,
    );
    expect(review).toBeNull();
    expect(errors.map((error) => [error.field, error.code])).toEqual([
      ['company.domainPrefix', 'DOMAIN_TAKEN'],
      ['items.0.quantity', 'QUANTITY_OUT_OF_BOUNDS'],
      ['items.1.offerId', 'BUSINESS_RULE'],
      ['items.1.term', 'TERM_NOT_OFFERED'],
      ['items.2.offerId', 'OFFER_NOT_FOUND'],
      ['items.3.billingFrequency', 'BILLING_FREQUENCY_NOT_OFFERED'],
      ['items', 'BUSINESS_RULE'],
      ['creditResellerAsPartnerOfRecord', 'BUSINESS_RULE'],
      ['supportContactResellerId', 'PARTNERSHIP_NOT_ACTIVE'],
    ]);
    expect(errors[1]!.message).toBe('Microsoft 365 Business Basic takes 1 to 300 licenses');
  });

  it('refuses a reseller outside an active partnership', () => {
    const { errors } = assessOnboardingRequest(request({ resellerId: 'r-2' }), facts(), expiresAt);
    expect(errors).toEqual([
      {
        field: 'resellerId',
        code: 'PARTNERSHIP_NOT_ACTIVE',
        message: 'This reseller is not in an active partnership with you',
      },
    ]);
  });
});
