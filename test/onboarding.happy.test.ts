import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusQuery } from '../workflows/onboarding.messages';
import { createTestPartner, decodedHistoryText, startTestEngine, type TestEngine } from './support/harness';
import { databaseDump, onboardingBody, onboardingIn, reviewedOnboarding } from './support/onboarding.fixtures';
import { partneredPair } from './support/fixtures';
import { OFFERS } from './support/catalog';

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(async () => {
  await engine?.stop();
});

describe('customer onboarding happy path', () => {
  it("creates a customer on a reseller's behalf: review, submit, customer, credited subscriptions and one-time credentials", async () => {
    const { provider, reseller } = await partneredPair(engine);
    const body = onboardingBody({ resellerId: reseller.id, supportContactResellerId: reseller.id });
    const prefix = (body.company as { domainPrefix: string }).domainPrefix;

    const created = await engine.request('POST', '/v1/customer-onboardings', { key: provider.apiKey, body });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ status: 'validating', workflowId: `customer-onboarding-${created.body.id}` });

    const reviewed = await onboardingIn(engine, provider.apiKey, created.body.id, ['awaiting_review']);
    expect(reviewed.review).toMatchObject({
      lineItems: [
        {
          lineNumber: 1,
          offerId: OFFERS.m365BusinessPremium,
          offerName: 'Microsoft 365 Business Premium',
          quantity: 10,
          unitPrice: 2200,
          lineTotal: 22_000,
          currency: 'EUR',
        },
        {
          lineNumber: 2,
          offerId: OFFERS.exchangeOnlineP1,
          offerName: 'Exchange Online (Plan 1)',
          quantity: 5,
          unitPrice: 400,
          lineTotal: 2_000,
          currency: 'EUR',
        },
      ],
      total: 24_000,
      currency: 'EUR',
      customer: {
        company: { name: 'Woodgrove Bank', domain: `${prefix}.onmicrosoft.com` },
        adminUsername: `admin@${prefix}.onmicrosoft.com`,
      },
      reseller: { id: reseller.id, name: reseller.name, partnerId: reseller.partnerId },
      partnerOfRecord: { credited: true, partnerId: reseller.partnerId },
      supportContact: { id: reseller.id },
    });

    const submitted = await engine.request('POST', `/v1/customer-onboardings/${created.body.id}/submit`, {
      key: provider.apiKey,
    });
    expect(submitted.status).toBe(200);
    expect(submitted.body).toMatchObject({
      status: 'completed',
      customer: {
        domain: `${prefix}.onmicrosoft.com`,
        status: 'active',
        reseller: { id: reseller.id, partnerId: reseller.partnerId },
      },
      credentials: { username: `admin@${prefix}.onmicrosoft.com` },
    });
    const password: string = submitted.body.credentials.temporaryPassword;
    expect(password.length).toBeGreaterThanOrEqual(16);
    expect(submitted.body.subscriptions).toHaveLength(2);
    for (const subscription of submitted.body.subscriptions) {
      expect(subscription).toMatchObject({
        status: 'active',
        partnerIdOnRecord: reseller.partnerId,
        supportContact: { id: reseller.id },
      });
    }

    // One-time: shown by submit, so the reveal endpoint answers 410.
    const again = await engine.request('POST', `/v1/customer-onboardings/${created.body.id}/credentials`, {
      key: provider.apiKey,
    });
    expect(again.status).toBe(410);
    expect(again.body.error.code).toBe('CREDENTIALS_GONE');

    const customerId = submitted.body.customer.id;
    const asReseller = await engine.request('GET', `/v1/customers/${customerId}`, { key: reseller.apiKey });
    expect(asReseller.status).toBe(200);
    expect(asReseller.body).toMatchObject({ id: customerId, adminUsername: `admin@${prefix}.onmicrosoft.com` });
    const subscriptions = await engine.request('GET', `/v1/customers/${customerId}/subscriptions`, {
      key: provider.apiKey,
    });
    expect(subscriptions.body.items.map((s: { offerId: string }) => s.offerId).sort()).toEqual([
      OFFERS.exchangeOnlineP1,
      OFFERS.m365BusinessPremium,
    ]);

    const final = await onboardingIn(engine, provider.apiKey, created.body.id, ['completed']);
    expect(final.customerId).toBe(customerId);

    const handle = engine.deps.temporal.workflow.getHandle(created.body.workflowId);
    const state = await handle.query(statusQuery);
    expect(state).toMatchObject({ status: 'completed', customerId, adminUsername: `admin@${prefix}.onmicrosoft.com` });
    const description = await handle.describe();
    expect(description.searchAttributes).toMatchObject({
      ProcessStatus: ['completed'],
      ProviderId: [provider.id],
      ResellerId: [reseller.id],
      CustomerDomain: [`${prefix}.onmicrosoft.com`],
    });

    // The password exists only in that one answer: not in history, not in any table.
    // Every payload opened (base64, then the codec if encrypted): the password was never put into history.
    const history = await decodedHistoryText(engine, created.body.workflowId);
    expect(history).toContain(`admin@${prefix}.onmicrosoft.com`);
    expect(history).toContain(reseller.partnerId);
    expect(history).not.toContain(password);
    const dump = await databaseDump(engine);
    expect(dump).toContain(`admin@${prefix}.onmicrosoft.com`);
    expect(dump).toMatch(/"password_hash":"scrypt\$/);
    expect(dump).not.toContain(password);
  });

  it('creates a customer without a reseller: nothing credited, no delegated admin', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const reviewed = await reviewedOnboarding(
      engine,
      provider.apiKey,
      onboardingBody({ items: [{ offerId: OFFERS.m365E3, quantity: 250 }] }),
    );
    expect(reviewed.review).toMatchObject({
      reseller: null,
      partnerOfRecord: { credited: false, partnerId: null },
      supportContact: null,
      total: 900_000,
    });

    const submitted = await engine.request('POST', `/v1/customer-onboardings/${reviewed.id}/submit`, {
      key: provider.apiKey,
    });
    expect(submitted.status).toBe(200);
    expect(submitted.body.customer).toMatchObject({ status: 'active', reseller: null });
    expect(submitted.body.subscriptions).toEqual([
      expect.objectContaining({ offerId: OFFERS.m365E3, quantity: 250, partnerIdOnRecord: null, supportContact: null }),
    ]);
    const list = await engine.request('GET', '/v1/customers', { key: provider.apiKey });
    expect(list.body.items.map((c: { id: string }) => c.id)).toEqual([submitted.body.customer.id]);
  });

  it('opts out of crediting the reseller when creditResellerAsPartnerOfRecord is false, still associating it', async () => {
    const { provider, reseller } = await partneredPair(engine);
    const reviewed = await reviewedOnboarding(
      engine,
      provider.apiKey,
      onboardingBody({ resellerId: reseller.id, creditResellerAsPartnerOfRecord: false }),
    );
    expect(reviewed.review.partnerOfRecord).toEqual({ credited: false, partnerId: null });
    const submitted = await engine.request('POST', `/v1/customer-onboardings/${reviewed.id}/submit`, {
      key: provider.apiKey,
    });
    expect(submitted.status).toBe(200);
    expect(submitted.body.customer.reseller).toMatchObject({ id: reseller.id });
    expect(
      submitted.body.subscriptions.every((s: { partnerIdOnRecord: string | null }) => s.partnerIdOnRecord === null),
    ).toBe(true);
  });
});
