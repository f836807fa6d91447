import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPartner, startTestEngine, type TestEngine, type TestPartner } from './support/harness';
import { onboardingBody, reviewedOnboarding } from './support/onboarding.fixtures';
import { partneredPair } from './support/fixtures';

let engine: TestEngine;
let provider: TestPartner;
let reseller: TestPartner;
let otherProvider: TestPartner;
let otherReseller: TestPartner;
beforeAll(async () => {
  engine = await startTestEngine();
  ({ provider, reseller } = await partneredPair(engine));
  otherProvider = await createTestPartner(engine.request, { kind: 'provider' });
  otherReseller = await createTestPartner(engine.request, { kind: 'reseller' });
});
afterAll(async () => {
  await engine?.stop();
});

describe("another partner's onboardings and customers are invisible", () => {
  it('answers 404 to another provider for every onboarding endpoint, and does not act on them', async () => {
    const reviewed = await reviewedOnboarding(engine, provider.apiKey, onboardingBody());
    for (const [method, path] of [
      ['GET', ''],
      ['POST', '/submit'],
      ['POST', '/cancel'],
      ['POST', '/credentials'],
    ] as const) {
      const reply = await engine.request(method, `/v1/customer-onboardings/${reviewed.id}${path}`, {
        key: otherProvider.apiKey,
      });
      expect(reply.status, `${method} ${path}`).toBe(404);
    }
    expect(
      (await engine.request('GET', `/v1/customer-onboardings/${reviewed.id}`, { key: provider.apiKey })).body.status,
    ).toBe('awaiting_review');
  });

  it('answers 404 for a customer to another provider and to a reseller not associated with it', async () => {
    const reviewed = await reviewedOnboarding(engine, provider.apiKey, onboardingBody({ resellerId: reseller.id }));
    const submitted = await engine.request('POST', `/v1/customer-onboardings/${reviewed.id}/submit`, {
      key: provider.apiKey,
    });
    const customerId = submitted.body.customer.id;
    for (const key of [otherProvider.apiKey, otherReseller.apiKey]) {
      expect((await engine.request('GET', `/v1/customers/${customerId}`, { key })).status).toBe(404);
      expect((await engine.request('GET', `/v1/customers/${customerId}/subscriptions`, { key })).status).toBe(404);
      expect((await engine.request('GET', '/v1/customers', { key })).body.items).toEqual([]);
    }
    expect((await engine.request('GET', `/v1/customers/${customerId}`, { key: reseller.apiKey })).status).toBe(200);
  });

  it('keeps onboarding actions for providers: a reseller key gets 403', async () => {
    const reviewed = await reviewedOnboarding(engine, provider.apiKey, onboardingBody());
    const reply = await engine.request('POST', `/v1/customer-onboardings/${reviewed.id}/submit`, {
      key: reseller.apiKey,
    });
    expect(reply.status).toBe(403);
  });
});

describe('the temporary password', () => {
  it('is never in the workflow query state, the review or any GET answer', async () => {
    const reviewed = await reviewedOnboarding(engine, provider.apiKey, onboardingBody());
    const submitted = await engine.request('POST', `/v1/customer-onboardings/${reviewed.id}/submit`, {
      key: provider.apiKey,
    });
    const password: string = submitted.body.credentials.temporaryPassword;
    expect(password).toMatch(/[A-Z]/);
    expect(password).toMatch(/[a-z]/);
    expect(password).toMatch(/[0-9]/);
    const onboarding = await engine.request('GET', `/v1/customer-onboardings/${reviewed.id}`, { key: provider.apiKey });
    const customer = await engine.request('GET', `/v1/customers/${submitted.body.customer.id}`, {
      key: provider.apiKey,
    });
    const subscriptions = await engine.request('GET', `/v1/customers/${submitted.body.customer.id}/subscriptions`, {
      key: provider.apiKey,
    });
    for (const reply of [onboarding, customer, subscriptions]) expect(reply.text).not.toContain(password);
    const handle = engine.deps.temporal.workflow.getHandle(reviewed.workflowId);
    const { statusQuery } = await import('../workflows/onboarding.messages');
    expect(JSON.stringify(await handle.query(statusQuery))).not.toContain(password);
    expect(JSON.stringify(await handle.result())).not.toContain(password);
    expect(JSON.stringify((await handle.describe()).searchAttributes)).not.toContain(password);
  });
});
