import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { getPartnerById } from '../src/db/queries/partners';
import { subscriptions } from '../src/db/schema';
import { recordSubscriptionEvent } from '../src/events/record';
import { startOnboarding } from '../src/services/onboardings';
import type { OnboardingRequest } from '../workflows/onboarding.messages';
import { createActiveCustomer } from './support/fixtures';
import {
  createTestPartner,
  linkIn,
  mailTo,
  startTestEngine,
  uniqueEmail,
  waitFor,
  type TestEngine,
  type TestPartner,
} from './support/harness';
import { onboardingBody, onboardingIn, reviewedOnboarding } from './support/onboarding.fixtures';
import { registerEndpoint, startReceiver, type Receiver } from './support/webhook-receiver';
import { OFFERS, OFFER_NOT_IN_CATALOG } from './support/catalog';
import { apiClient } from './support/client';
import { finishedOrder } from './support/orders';

/**
 * Who receives what (README "Events and webhooks"): every event type of the onboarding processes,
 * produced by driving the real processes, arrives signed at the provider's endpoint and — when it
 * concerns it — at the reseller's, verified with the standardwebhooks library; unrelated partners get nothing.
 */
let failAt: string | null = null;
let engine: TestEngine;
type Party = { partner: TestPartner; receiver: Receiver; secret: string };
let provider: Party, reseller: Party, otherProvider: Party, otherReseller: Party;

async function party(kind: 'provider' | 'reseller'): Promise<Party> {
  const partner = await createTestPartner(engine.request, { kind });
  const receiver = await startReceiver();
  const { secret } = await registerEndpoint(engine.request, partner.apiKey, { url: receiver.url });
  return { partner, receiver, secret };
}

beforeAll(async () => {
  engine = await startTestEngine({
    env: {
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_RELAY_INTERVAL: '100ms',
      INVITATION_TTL: '4s',
      REMINDER_BEFORE: '1s',
      REVIEW_TTL: '4s',
    },
    activityTestHooks: {
      afterCommit: async (step) => {
        if (step === failAt) throw ApplicationFailure.nonRetryable(`injected failure at ${step}`, 'INJECTED_FAULT');
      },
    },
  });
  [provider, reseller, otherProvider, otherReseller] = await Promise.all([
    party('provider'),
    party('reseller'),
    party('provider'),
    party('reseller'),
  ]);
});
afterAll(async () => {
  await engine?.stop();
  for (const each of [provider, reseller, otherProvider, otherReseller]) await each?.receiver.close();
});

/** The delivery of `type` about resource `id` at a party's receiver, verified with its secret. */
async function delivered(to: Party, type: string, id: string) {
  const entry = await waitFor(async () => to.receiver.ofType(type).find((candidate) => candidate.json.data.id === id), {
    what: `${type} ${id}`,
  });
  const payload = to.receiver.verify(entry, to.secret) as { type: string; data: { id: string } };
  expect(payload).toMatchObject({ type, data: { id } });
  return payload;
}

/** Asserts the event reached the provider, and the reseller exactly when `toReseller`. */
async function expectRecipients(type: string, id: string, toReseller: boolean) {
  await delivered(provider, type, id);
  if (toReseller) await delivered(reseller, type, id);
  else {
    // The provider's copy arrived; the reseller's relay pass is the same, so its absence is settled.
    const events = await engine.request('GET', `/v1/events?type=${type}`, { key: reseller.partner.apiKey });
    expect(events.body.items.map((event: { data: { id: string } }) => event.data.id)).not.toContain(id);
    expect(reseller.receiver.ofType(type).filter((entry) => entry.json.data.id === id)).toEqual([]);
  }
}

async function invite(email: string) {
  const reply = await engine.request('POST', '/v1/invitations', {
    key: provider.partner.apiKey,
    body: { resellerEmail: email },
  });
  expect(reply.status).toBe(202);
  const [mail] = await waitFor(async () => {
    const messages = await mailTo(engine, email);
    return messages.length > 0 && messages;
  });
  return { id: reply.body.id as string, link: linkIn(mail!.text, '/invitations') };
}

let partnershipId: string;
let customerId: string;

describe('who receives what', () => {
  it('invitation.accepted: the provider and the reseller that accepted', async () => {
    const { id, link } = await invite(reseller.partner.email);
    const accepted = await engine.request('POST', `${link.pathname}/accept`, {
      body: { partnerId: reseller.partner.partnerId },
    });
    expect(accepted.status).toBe(200);
    partnershipId = accepted.body.partnership.id;
    await expectRecipients('invitation.accepted', id, true);
  });

  it('invitation.declined, .revoked, .expired: the provider only (no reseller has answered)', async () => {
    const declined = await invite(uniqueEmail('declines'));
    expect((await engine.request('POST', `${declined.link.pathname}/decline`, { body: {} })).status).toBe(200);
    const revoked = await invite(uniqueEmail('revoked'));
    expect(
      (await engine.request('POST', `/v1/invitations/${revoked.id}/revoke`, { key: provider.partner.apiKey })).status,
    ).toBe(200);
    const expired = await invite(uniqueEmail('expires'));
    await expectRecipients('invitation.declined', declined.id, false);
    await expectRecipients('invitation.revoked', revoked.id, false);
    await expectRecipients('invitation.expired', expired.id, false);
  });

  it('customer_onboarding.awaiting_review, .completed on behalf of a reseller: the provider and that reseller', async () => {
    const reviewed = await reviewedOnboarding(
      engine,
      provider.partner.apiKey,
      onboardingBody({ resellerId: reseller.partner.id }),
    );
    await expectRecipients('customer_onboarding.awaiting_review', reviewed.id, true);
    const submitted = await engine.request('POST', `/v1/customer-onboardings/${reviewed.id}/submit`, {
      key: provider.partner.apiKey,
    });
    expect(submitted.status).toBe(200);
    customerId = submitted.body.customer.id;
    const completed = await delivered(reseller, 'customer_onboarding.completed', reviewed.id);
    expect(completed.data).toMatchObject({ status: 'completed', customerId });
    await expectRecipients('customer_onboarding.completed', reviewed.id, true);
  });

  it('customer_onboarding.cancelled and .failed on behalf of a reseller: the provider and that reseller', async () => {
    const cancelled = await reviewedOnboarding(
      engine,
      provider.partner.apiKey,
      onboardingBody({ resellerId: reseller.partner.id }),
    );
    expect(
      (
        await engine.request('POST', `/v1/customer-onboardings/${cancelled.id}/cancel`, {
          key: provider.partner.apiKey,
        })
      ).status,
    ).toBe(200);
    await expectRecipients('customer_onboarding.cancelled', cancelled.id, true);

    const failing = await reviewedOnboarding(
      engine,
      provider.partner.apiKey,
      onboardingBody({ resellerId: reseller.partner.id }),
    );
    failAt = 'createTenant';
    expect(
      (await engine.request('POST', `/v1/customer-onboardings/${failing.id}/submit`, { key: provider.partner.apiKey }))
        .status,
    ).toBe(502);
    failAt = null;
    await expectRecipients('customer_onboarding.failed', failing.id, true);
  });

  it('customer_onboarding.expired and .rejected without a reseller: the provider only', async () => {
    const expiring = await reviewedOnboarding(engine, provider.partner.apiKey, onboardingBody());
    await onboardingIn(engine, provider.partner.apiKey, expiring.id, ['expired']);
    await expectRecipients('customer_onboarding.expired', expiring.id, false);

    const request = {
      ...onboardingBody(),
      items: [{ offerId: OFFER_NOT_IN_CATALOG, quantity: 1 }],
    } as unknown as OnboardingRequest;
    const rejected = await startOnboarding(
      engine.deps,
      (await getPartnerById(engine.deps.db, provider.partner.id))!,
      request,
    );
    await expectRecipients('customer_onboarding.rejected', rejected.id, false);
  });

  it('order.completed and order.failed: the provider and the reseller managing the customer', async () => {
    const order = async () => {
      const reply = await engine.request('POST', `/v1/customers/${customerId}/orders`, {
        key: provider.partner.apiKey,
        body: { items: [{ offerId: OFFERS.teamsEssentials, quantity: 2 }] },
      });
      expect(reply.status).toBe(202);
      return reply.body.id as string;
    };
    await expectRecipients('order.completed', await order(), true);
    failAt = 'provisionCustomerOrder';
    const failing = await order();
    await expectRecipients('order.failed', failing, true);
    failAt = null;
  });

  it('reseller_relationship.accepted, .declined, .revoked and .expired: the provider and the reseller asked for', async () => {
    const ask = async () => {
      const customer = await createActiveCustomer(engine, { providerId: provider.partner.id });
      const reply = await engine.request('POST', `/v1/customers/${customer.id}/reseller-relationships`, {
        key: provider.partner.apiKey,
        body: { resellerId: reseller.partner.id },
      });
      expect(reply.status).toBe(202);
      const [mail] = await waitFor(async () => {
        const messages = await mailTo(engine, customer.contactEmail);
        return messages.length > 0 && messages;
      });
      return { id: reply.body.id as string, link: linkIn(mail!.text, '/reseller-relationships') };
    };
    const accepting = await ask();
    expect((await engine.request('POST', `${accepting.link.pathname}/accept`)).status).toBe(200);
    await expectRecipients('reseller_relationship.accepted', accepting.id, true);
    const declining = await ask();
    expect((await engine.request('POST', `${declining.link.pathname}/decline`, { body: {} })).status).toBe(200);
    await expectRecipients('reseller_relationship.declined', declining.id, true);
    const revoking = await ask();
    expect(
      (
        await engine.request('POST', `/v1/reseller-relationships/${revoking.id}/revoke`, {
          key: provider.partner.apiKey,
        })
      ).status,
    ).toBe(200);
    await expectRecipients('reseller_relationship.revoked', revoking.id, true);
    const expiring = await ask();
    await expectRecipients('reseller_relationship.expired', expiring.id, true);
  });

  it('partnership.removed (DELETE /v1/partnerships/:id): the provider and the reseller', async () => {
    expect(
      (await engine.request('DELETE', `/v1/partnerships/${partnershipId}`, { key: provider.partner.apiKey })).status,
    ).toBe(200);
    await expectRecipients('partnership.removed', partnershipId, true);
  });

  it('subscription.* and charge.created (the seam for the subscription lifecycle): the provider, the managing reseller and the reseller on record', async () => {
    const credited = await party('reseller');
    try {
      const customer = await createActiveCustomer(engine, {
        providerId: provider.partner.id,
        resellerId: reseller.partner.id,
      });
      const subscriptionId = customer.subscriptions[0]!.id;
      await engine.deps.db
        .update(subscriptions)
        .set({ partnerIdOnRecord: credited.partner.partnerId })
        .where(eq(subscriptions.id, subscriptionId));
      await engine.deps.db.transaction((tx) =>
        recordSubscriptionEvent(tx, {
          subscriptionId,
          type: 'subscription.renewed',
          dedupeKey: `subscription:${subscriptionId}:renewed:1`,
        }),
      );
      for (const to of [provider, reseller, credited])
        expect((await delivered(to, 'subscription.renewed', subscriptionId)).data).toMatchObject({
          partnerIdOnRecord: credited.partner.partnerId,
        });
    } finally {
      await credited.receiver.close();
    }
  });

  it('subscription.created and charge.created come from a real order: its subscription workflow records them with the change', async () => {
    const customer = await createActiveCustomer(engine, {
      providerId: provider.partner.id,
      resellerId: reseller.partner.id,
    });
    const order = await engine.request('POST', `/v1/customers/${customer.id}/orders`, {
      key: provider.partner.apiKey,
      body: { items: [{ offerId: OFFERS.m365BusinessBasic, quantity: 3 }] },
    });
    expect(order.status).toBe(202);
    const finished = await finishedOrder(apiClient(engine.request, provider.partner.apiKey), order.body.id);
    expect(finished.status).toBe('completed');
    const subscriptionId = finished.subscriptions[0]!.id;
    for (const to of [provider, reseller]) {
      expect((await delivered(to, 'subscription.created', subscriptionId)).data).toMatchObject({
        id: subscriptionId,
        quantity: 3,
      });
      const charge = await waitFor(async () =>
        to.receiver.ofType('charge.created').find((entry) => entry.json.data.subscriptionId === subscriptionId),
      );
      expect(to.receiver.verify(charge, to.secret)).toMatchObject({
        type: 'charge.created',
        data: { subscriptionId, kind: 'charge', quantity: 3, amount: 3 * 600 },
      });
    }
  });

  it('an unrelated provider and reseller receive nothing and list no event', async () => {
    for (const outsider of [otherProvider, otherReseller]) {
      expect(outsider.receiver.received).toEqual([]);
      const events = await engine.request('GET', '/v1/events', { key: outsider.partner.apiKey });
      expect(events.body.items).toEqual([]);
    }
  });

  it('delivers each event once per endpoint, and GET /v1/events lists what was delivered', async () => {
    for (const each of [provider, reseller]) {
      const ids = each.receiver.received.map((entry) => entry.headers['webhook-id']);
      expect(new Set(ids).size).toBe(ids.length);
      const events = await engine.request('GET', '/v1/events?limit=200', { key: each.partner.apiKey });
      expect(events.body.items.map((event: { id: string }) => event.id).sort()).toEqual([...ids].sort());
    }
  });
});
