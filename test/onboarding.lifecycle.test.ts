import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusQuery } from '../workflows/onboarding.messages';
import { createTestPartner, startTestEngine, type TestEngine, type TestPartner } from './support/harness';
import { liveRowsFor, onboardingBody, onboardingIn, reviewedOnboarding } from './support/onboarding.fixtures';

let engine: TestEngine;
let provider: TestPartner;
beforeAll(async () => {
  engine = await startTestEngine();
  provider = await createTestPartner(engine.request, { kind: 'provider' });
});
afterAll(async () => {
  await engine?.stop();
});

describe('cancel', () => {
  it('cancels before submit: nothing is created, submit is refused and the domain is free again', async () => {
    const body = onboardingBody();
    const reviewed = await reviewedOnboarding(engine, provider.apiKey, body);

    const cancelled = await engine.request('POST', `/v1/customer-onboardings/${reviewed.id}/cancel`, {
      key: provider.apiKey,
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toEqual({ status: 'cancelled' });
    expect(
      (await engine.request('GET', `/v1/customer-onboardings/${reviewed.id}`, { key: provider.apiKey })).body.status,
    ).toBe('cancelled');
    const workflow = engine.deps.temporal.workflow.getHandle(reviewed.workflowId);
    expect((await workflow.describe()).searchAttributes.ProcessStatus).toEqual(['cancelled']);

    const submit = await engine.request('POST', `/v1/customer-onboardings/${reviewed.id}/submit`, {
      key: provider.apiKey,
    });
    expect(submit.status).toBe(409);
    const cancelAgain = await engine.request('POST', `/v1/customer-onboardings/${reviewed.id}/cancel`, {
      key: provider.apiKey,
    });
    expect(cancelAgain.status).toBe(409);

    expect(await liveRowsFor(engine, body.company.domainPrefix)).toEqual({
      customers: 0,
      users: 0,
      orders: 0,
      subscriptions: 0,
      escrow: 0,
    });
    const again = await reviewedOnboarding(engine, provider.apiKey, body);
    expect(again.id).not.toBe(reviewed.id);
  });

  it('refuses cancel after submit with 409', async () => {
    const reviewed = await reviewedOnboarding(engine, provider.apiKey, onboardingBody());
    expect(
      (await engine.request('POST', `/v1/customer-onboardings/${reviewed.id}/submit`, { key: provider.apiKey })).status,
    ).toBe(200);
    const reply = await engine.request('POST', `/v1/customer-onboardings/${reviewed.id}/cancel`, {
      key: provider.apiKey,
    });
    expect(reply.status).toBe(409);
    expect(reply.body.error.code).toBe('ONBOARDING_NOT_AWAITING_REVIEW');
  });
});

describe('concurrent submits', () => {
  it('lets exactly one of several simultaneous submits proceed; the others answer 409', async () => {
    const body = onboardingBody();
    const reviewed = await reviewedOnboarding(engine, provider.apiKey, body);
    const replies = await Promise.all(
      Array.from({ length: 6 }, () =>
        engine.request('POST', `/v1/customer-onboardings/${reviewed.id}/submit`, { key: provider.apiKey }),
      ),
    );
    const statuses = replies.map((reply) => reply.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409]);
    for (const reply of replies.filter((r) => r.status === 409))
      expect(reply.body.error.code).toBe('ONBOARDING_NOT_AWAITING_REVIEW');
    expect(await liveRowsFor(engine, body.company.domainPrefix)).toEqual({
      customers: 1,
      users: 1,
      orders: 1,
      subscriptions: 2,
      escrow: 0,
    });
  });
});

describe('review expiry', () => {
  it('expires an unreviewed draft after REVIEW_TTL and frees its domain', async () => {
    const shortLived = await startTestEngine({ env: { REVIEW_TTL: '2s' } });
    try {
      const body = onboardingBody();
      const reviewed = await reviewedOnboarding(shortLived, provider.apiKey, body);
      expect(Date.parse(reviewed.review.expiresAt) - Date.parse(reviewed.createdAt)).toBeLessThan(10_000);
      const expired = await onboardingIn(shortLived, provider.apiKey, reviewed.id, ['expired'], 20_000);
      expect(expired.status).toBe('expired');
      const state = await shortLived.deps.temporal.workflow.getHandle(reviewed.workflowId).query(statusQuery);
      expect(state.status).toBe('expired');
      const submit = await shortLived.request('POST', `/v1/customer-onboardings/${reviewed.id}/submit`, {
        key: provider.apiKey,
      });
      expect(submit.status).toBe(409);
      expect(await liveRowsFor(shortLived, body.company.domainPrefix)).toEqual({
        customers: 0,
        users: 0,
        orders: 0,
        subscriptions: 0,
        escrow: 0,
      });
      await reviewedOnboarding(shortLived, provider.apiKey, body);
    } finally {
      await shortLived.stop();
    }
  });
});
