import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPartnerById } from '../src/db/queries/partners';
import { partnerships } from '../src/db/schema';
import { startOnboarding } from '../src/services/onboardings';
import type { OnboardingRequest } from '../workflows/onboarding.messages';
import { createTestPartner, startTestEngine, type TestEngine, type TestPartner } from './support/harness';
import { onboardingBody, onboardingIn, reviewedOnboarding, uniquePrefix } from './support/onboarding.fixtures';
import { partneredPair } from './support/fixtures';
import { OFFERS, OFFER_NOT_IN_CATALOG } from './support/catalog';

let engine: TestEngine;
let provider: TestPartner;
let reseller: TestPartner;
let outsider: TestPartner;
let removedReseller: TestPartner;
beforeAll(async () => {
  engine = await startTestEngine();
  ({ provider, reseller } = await partneredPair(engine));
  outsider = await createTestPartner(engine.request, { kind: 'reseller' });
  removedReseller = await createTestPartner(engine.request, { kind: 'reseller' });
  await engine.deps.db
    .insert(partnerships)
    .values({ providerId: provider.id, resellerId: removedReseller.id, status: 'removed', removedAt: new Date() });
});
afterAll(async () => {
  await engine?.stop();
});

const company = (patch: Record<string, unknown>) => ({ company: { ...onboardingBody().company, ...patch } });

describe('POST /v1/customer-onboardings refuses malformed input with 400', () => {
  const cases: Array<[string, () => Record<string, unknown>, string]> = [
    ['an uppercase domain prefix', () => company({ domainPrefix: 'Woodgrove' }), 'body.company.domainPrefix'],
    ['a domain prefix shorter than 3', () => company({ domainPrefix: 'ab' }), 'body.company.domainPrefix'],
    ['a domain prefix longer than 27', () => company({ domainPrefix: 'a'.repeat(28) }), 'body.company.domainPrefix'],
    ['a domain prefix with a hyphen', () => company({ domainPrefix: 'wood-grove' }), 'body.company.domainPrefix'],
    ['a domain prefix with a dot', () => company({ domainPrefix: 'wood.grove' }), 'body.company.domainPrefix'],
    ['a lowercase country', () => company({ country: 'es' }), 'body.company.country'],
    ['no items', () => ({ items: [] }), 'body.items'],
    ['a zero quantity', () => ({ items: [{ offerId: OFFERS.m365E3, quantity: 0 }] }), 'body.items.0.quantity'],
    ['a negative quantity', () => ({ items: [{ offerId: OFFERS.m365E3, quantity: -3 }] }), 'body.items.0.quantity'],
    ['a fractional quantity', () => ({ items: [{ offerId: OFFERS.m365E3, quantity: 1.5 }] }), 'body.items.0.quantity'],
    [
      'a quantity given as text',
      () => ({ items: [{ offerId: OFFERS.m365E3, quantity: '5' }] }),
      'body.items.0.quantity',
    ],
    ['an unknown field', () => ({ discount: 50 }), 'body'],
    [
      'an unknown field in an item',
      () => ({ items: [{ offerId: OFFERS.m365E3, quantity: 1, price: 1 }] }),
      'body.items.0',
    ],
    ['a contact without email', () => ({ contact: { firstName: 'Ana', lastName: 'García' } }), 'body.contact.email'],
    [
      'a malformed contact email',
      () => ({ contact: { firstName: 'Ana', lastName: 'García', email: 'not-an-email' } }),
      'body.contact.email',
    ],
    ['a resellerId that is not a UUID', () => ({ resellerId: '12345' }), 'body.resellerId'],
  ];
  it.each(cases)('refuses %s', async (_name, patch, path) => {
    const reply = await engine.request('POST', '/v1/customer-onboardings', {
      key: provider.apiKey,
      body: { ...onboardingBody(), ...patch() },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('VALIDATION_FAILED');
    expect(reply.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    expect(reply.headers.get('x-request-id')).toBeTruthy();
  });

  it('refuses a body that is not JSON', async () => {
    const reply = await engine.request('POST', '/v1/customer-onboardings', {
      key: provider.apiKey,
      rawBody: '{"company":',
    });
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('MALFORMED_JSON');
  });
});

describe('POST /v1/customer-onboardings refuses what breaks a business rule with 422 at once', () => {
  const cases: Array<[string, () => Record<string, unknown>, string, string]> = [
    // Valid by the OpenAPI document (it cannot state these), so refused as business rules, not as malformed.
    [
      'the same offer twice',
      () => ({
        items: [
          { offerId: OFFERS.m365E3, quantity: 1 },
          { offerId: OFFERS.m365E3, quantity: 2 },
        ],
      }),
      'BUSINESS_RULE',
      'items.1.offerId',
    ],
    [
      'crediting a reseller without one',
      () => ({ creditResellerAsPartnerOfRecord: true }),
      'BUSINESS_RULE',
      'creditResellerAsPartnerOfRecord',
    ],
    [
      'an offer not in the catalog',
      () => ({ items: [{ offerId: OFFER_NOT_IN_CATALOG, quantity: 1 }] }),
      'OFFER_NOT_FOUND',
      'items.0.offerId',
    ],
    [
      'a quantity above the offer maximum',
      () => ({ items: [{ offerId: OFFERS.m365BusinessBasic, quantity: 301 }] }),
      'QUANTITY_OUT_OF_BOUNDS',
      'items.0.quantity',
    ],
    ['a reseller with no partnership', () => ({ resellerId: outsider.id }), 'PARTNERSHIP_NOT_ACTIVE', 'resellerId'],
    [
      'a reseller whose partnership was removed',
      () => ({ resellerId: removedReseller.id }),
      'PARTNERSHIP_NOT_ACTIVE',
      'resellerId',
    ],
    ['a provider given as reseller', () => ({ resellerId: provider.id }), 'PARTNERSHIP_NOT_ACTIVE', 'resellerId'],
    [
      'an unknown reseller id',
      () => ({ resellerId: '00000000-0000-4000-8000-000000000000' }),
      'PARTNERSHIP_NOT_ACTIVE',
      'resellerId',
    ],
    [
      'a support contact with no partnership',
      () => ({ resellerId: reseller.id, supportContactResellerId: outsider.id }),
      'PARTNERSHIP_NOT_ACTIVE',
      'supportContactResellerId',
    ],
  ];
  it.each(cases)('refuses %s', async (_name, patch, code, field) => {
    const reply = await engine.request('POST', '/v1/customer-onboardings', {
      key: provider.apiKey,
      body: { ...onboardingBody(), ...patch() },
    });
    expect(reply.status).toBe(422);
    expect(reply.body.error.code).toBe(code);
    expect(reply.body.error.details).toContainEqual(expect.objectContaining({ field, code }));
  });

  it.each([
    [
      'a term the offer does not sell',
      { offerId: OFFERS.m365E3, quantity: 1, term: 'P1M' },
      'TERM_NOT_OFFERED',
      'items.0.term',
    ],
    [
      'a billing frequency the term does not allow',
      { offerId: OFFERS.m365BusinessBasic, quantity: 1, term: 'P1M', billingFrequency: 'annual' },
      'BILLING_FREQUENCY_NOT_OFFERED',
      'items.0.billingFrequency',
    ],
  ])('refuses %s with 400', async (_name, item, code, field) => {
    const reply = await engine.request('POST', '/v1/customer-onboardings', {
      key: provider.apiKey,
      body: { ...onboardingBody(), items: [item] },
    });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({ code, details: [expect.objectContaining({ field, code })] });
  });

  it('refuses a domain an onboarding in progress holds', async () => {
    const prefix = uniquePrefix();
    await reviewedOnboarding(engine, provider.apiKey, onboardingBody(company({ domainPrefix: prefix })));
    const other = await createTestPartner(engine.request, { kind: 'provider' });
    const reply = await engine.request('POST', '/v1/customer-onboardings', {
      key: other.apiKey,
      body: onboardingBody(company({ domainPrefix: prefix })),
    });
    expect(reply.status).toBe(422);
    expect(reply.body.error).toMatchObject({
      code: 'DOMAIN_TAKEN',
      details: [expect.objectContaining({ field: 'company.domainPrefix' })],
    });
  });

  it('refuses a domain a live customer has', async () => {
    const reviewed = await reviewedOnboarding(
      engine,
      provider.apiKey,
      onboardingBody({ items: [{ offerId: OFFERS.teamsEssentials, quantity: 1 }] }),
    );
    expect(
      (await engine.request('POST', `/v1/customer-onboardings/${reviewed.id}/submit`, { key: provider.apiKey })).status,
    ).toBe(200);
    const reply = await engine.request('POST', '/v1/customer-onboardings', {
      key: provider.apiKey,
      body: onboardingBody(company({ domainPrefix: reviewed.request.company.domainPrefix })),
    });
    expect(reply.status).toBe(422);
    expect(reply.body.error.code).toBe('DOMAIN_TAKEN');
  });
});

describe('the workflow re-checks everything against the database', () => {
  it('ends in rejected with one error per field when the request no longer holds', async () => {
    // A customer took the domain, the offer and partnership checks fail: what the API would have refused
    // can still change between the API's check and the workflow's, so the workflow decides.
    const taken = await reviewedOnboarding(
      engine,
      provider.apiKey,
      onboardingBody({ items: [{ offerId: OFFERS.teamsEssentials, quantity: 1 }] }),
    );
    expect(
      (await engine.request('POST', `/v1/customer-onboardings/${taken.id}/submit`, { key: provider.apiKey })).status,
    ).toBe(200);
    const request = {
      ...onboardingBody(company({ domainPrefix: taken.request.company.domainPrefix })),
      resellerId: outsider.id,
      items: [
        { offerId: OFFER_NOT_IN_CATALOG, quantity: 1 },
        { offerId: OFFERS.m365BusinessBasic, quantity: 500 },
      ],
    } as unknown as OnboardingRequest;
    const providerRecord = (await getPartnerById(engine.deps.db, provider.id))!;
    const started = await startOnboarding(engine.deps, providerRecord, request);

    const rejected = await onboardingIn(engine, provider.apiKey, started.id, ['rejected']);
    expect(rejected.review).toBeUndefined();
    expect(rejected.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'company.domainPrefix', code: 'DOMAIN_TAKEN' }),
        expect.objectContaining({ field: 'items.0.offerId', code: 'OFFER_NOT_FOUND' }),
        expect.objectContaining({ field: 'items.1.quantity', code: 'QUANTITY_OUT_OF_BOUNDS' }),
        expect.objectContaining({ field: 'resellerId', code: 'PARTNERSHIP_NOT_ACTIVE' }),
      ]),
    );
    expect(rejected.errors).toHaveLength(4);

    const submit = await engine.request('POST', `/v1/customer-onboardings/${started.id}/submit`, {
      key: provider.apiKey,
    });
    expect(submit.status).toBe(409);
    expect(submit.body.error.code).toBe('ONBOARDING_NOT_AWAITING_REVIEW');
  });
});

describe('onboarding endpoints answer clear 4xx for the wrong caller, id or state', () => {
  it('answers 401 without a key and 403 for a reseller key', async () => {
    expect((await engine.request('POST', '/v1/customer-onboardings', { body: onboardingBody() })).status).toBe(401);
    const reply = await engine.request('POST', '/v1/customer-onboardings', {
      key: reseller.apiKey,
      body: onboardingBody(),
    });
    expect(reply.status).toBe(403);
    expect(reply.body.error.code).toBe('FORBIDDEN');
  });

  it('answers 400 for a malformed id and 404 for an unknown one', async () => {
    const malformed = await engine.request('GET', '/v1/customer-onboardings/not-a-uuid', { key: provider.apiKey });
    expect(malformed.status).toBe(400);
    for (const path of ['', '/submit', '/cancel', '/credentials']) {
      const method = path ? 'POST' : 'GET';
      const reply = await engine.request(
        method,
        `/v1/customer-onboardings/00000000-0000-4000-8000-000000000000${path}`,
        { key: provider.apiKey },
      );
      expect(reply.status, `${method} ${path}`).toBe(404);
    }
  });

  it('answers 409 for credentials before the onboarding has completed', async () => {
    const reviewed = await reviewedOnboarding(engine, provider.apiKey, onboardingBody());
    const reply = await engine.request('POST', `/v1/customer-onboardings/${reviewed.id}/credentials`, {
      key: provider.apiKey,
    });
    expect(reply.status).toBe(409);
    expect(reply.body.error.code).toBe('ONBOARDING_NOT_COMPLETED');
  });

  it('replays the same onboarding for a repeated Idempotency-Key, starting nothing new', async () => {
    const body = onboardingBody();
    const headers = { 'idempotency-key': `onb-${uniquePrefix()}` };
    const first = await engine.request('POST', '/v1/customer-onboardings', { key: provider.apiKey, body, headers });
    const second = await engine.request('POST', '/v1/customer-onboardings', { key: provider.apiKey, body, headers });
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body.id).toBe(first.body.id);
    const { onboardings } = await import('../src/db/schema');
    const rows = await engine.deps.db
      .select()
      .from(onboardings)
      .where(eq(onboardings.domainPrefix, body.company.domainPrefix));
    expect(rows).toHaveLength(1);
  });
});
