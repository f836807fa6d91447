import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActiveCustomer, partneredPair } from './support/fixtures';
import { createTestPartner, linkIn, mailTo, startTestEngine, waitFor, type TestEngine } from './support/harness';
import { onboardingBody, reviewedOnboarding } from './support/onboarding.fixtures';
import { OFFERS } from './support/catalog';

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(async () => {
  await engine?.stop();
});

/** The memo as an operator reads it in the Temporal UI (decoded through the payload codec). */
async function memoOf(workflowId: string) {
  return (await engine.deps.temporal.workflow.getHandle(workflowId).describe()).memo ?? {};
}

describe('every workflow carries display names in its memo for the Temporal UI', () => {
  it('invitation: the provider from the start, the reseller once it accepts', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
    const invite = await engine.request('POST', '/v1/invitations', {
      key: provider.apiKey,
      body: { resellerEmail: reseller.email },
    });
    expect(await memoOf(invite.body.workflowId)).toMatchObject({
      provider: provider.name,
      resellerEmail: reseller.email,
    });

    const mail = await waitFor(async () => (await mailTo(engine, reseller.email))[0]);
    const accepted = await engine.request('POST', `${linkIn(mail.text, '/invitations').pathname}/accept`, {
      body: { partnerId: reseller.partnerId },
    });
    expect(accepted.status).toBe(200);
    expect(await memoOf(invite.body.workflowId)).toMatchObject({ provider: provider.name, reseller: reseller.name });
  });

  it('customer onboarding: provider, customer, domain and reseller', async () => {
    const { provider, reseller } = await partneredPair(engine);
    const body = onboardingBody({ resellerId: reseller.id });
    const onboarding = await reviewedOnboarding(engine, provider.apiKey, body);
    expect(await memoOf(onboarding.workflowId)).toEqual({
      provider: provider.name,
      customer: body.company.name,
      domain: `${body.company.domainPrefix}.onmicrosoft.com`,
      reseller: reseller.name,
    });
  });

  it('order and reseller relationship: provider, customer and reseller', async () => {
    const { provider, reseller } = await partneredPair(engine);
    const managed = await createActiveCustomer(engine, { providerId: provider.id, resellerId: reseller.id });
    const order = await engine.request('POST', `/v1/customers/${managed.id}/orders`, {
      key: provider.apiKey,
      body: { items: [{ offerId: OFFERS.m365BusinessBasic, quantity: 2 }] },
    });
    expect(order.status).toBe(202);
    expect(await memoOf(order.body.workflowId)).toMatchObject({
      provider: provider.name,
      reseller: reseller.name,
      customer: expect.any(String),
    });

    const unmanaged = await createActiveCustomer(engine, { providerId: provider.id });
    const relationship = await engine.request('POST', `/v1/customers/${unmanaged.id}/reseller-relationships`, {
      key: provider.apiKey,
      body: { resellerId: reseller.id },
    });
    expect(relationship.status).toBe(202);
    expect(await memoOf(relationship.body.workflowId)).toMatchObject({
      provider: provider.name,
      reseller: reseller.name,
      customer: expect.any(String),
    });
  });
});
