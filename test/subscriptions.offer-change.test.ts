import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offers, subscriptionCharges } from '../src/db/schema';
import { offerChangeProration } from '../src/domain/subscription-offer-change';
import {
  allEvents,
  createActiveCustomer,
  partneredPair,
  startLifecycles,
  type FixtureCustomer,
} from './support/fixtures';
import { OPERATOR_KEY, startTestEngine, type TestEngine, type TestPartner } from './support/harness';

/**
 * PATCH …/subscriptions/:sid {offerId} on the real dev server and Postgres: the offer changes at once
 * through the subscription's workflow, the scheduled changes go, the rest of the billing period is
 * refunded at the old price and charged at the new one — written once although the step that writes
 * them fails after its commit and is retried — with its audit row, run and `subscription.updated` event.
 */
const usdOffer = 'test-teams-essentials-usd';
let engine: TestEngine;
const failedOnce = new Set<string>();

beforeAll(async () => {
  engine = await startTestEngine({
    activityTestHooks: {
      // Every offer change's save loses its reply once after committing, as a worker dying then would.
      async afterCommit(activity, key) {
        if (activity !== 'saveSubscription' || !/:change:/.test(key) || failedOnce.has(key)) return;
        failedOnce.add(key);
        throw new Error('test: saveSubscription lost its reply after committing');
      },
    },
  });
  await engine.deps.db
    .insert(offers)
    .values({
      id: usdOffer,
      name: 'Teams Essentials (USD)',
      minQuantity: 1,
      maxQuantity: 300,
      unitPrice: 450,
      currency: 'USD',
      billingCycle: 'monthly',
      terms: [{ term: 'P1M', billingFrequencies: ['monthly'] }],
    })
    .onConflictDoNothing();
});
afterAll(async () => {
  await engine?.deps.db.delete(offers).where(eq(offers.id, usdOffer));
  await engine?.stop();
});

/** A provider's customer with 10 Teams Essentials licenses (P1M, billed monthly) and its running workflow. */
async function teamsCustomer(): Promise<{
  provider: TestPartner;
  customer: FixtureCustomer;
  path: string;
  subscriptionId: string;
}> {
  const { provider } = await partneredPair(engine);
  const customer = await createActiveCustomer(engine, {
    providerId: provider.id,
    items: [{ offerId: 'teams-essentials', quantity: 10 }],
  });
  const subscriptionId = customer.subscriptions[0]!.id;
  await startLifecycles(engine, [subscriptionId]);
  return { provider, customer, subscriptionId, path: `/v1/customers/${customer.id}/subscriptions/${subscriptionId}` };
}

const chargeRows = (subscriptionId: string) =>
  engine.deps.db.select().from(subscriptionCharges).where(eq(subscriptionCharges.subscriptionId, subscriptionId));

describe('an immediate offer change', () => {
  it('upgrades at once, removes the scheduled changes and says so, records the prorated refund and charge once, audits it with its run and publishes subscription.updated', async () => {
    const { provider, customer, subscriptionId, path } = await teamsCustomer();
    expect(
      (await engine.request('PUT', `${path}/scheduled-changes`, { key: provider.apiKey, body: { quantity: 12 } }))
        .status,
    ).toBe(200);

    const changed = await engine.request('PATCH', path, {
      key: provider.apiKey,
      body: { offerId: 'm365-business-basic' },
    });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body).toMatchObject({
      offerId: 'm365-business-basic',
      offerName: 'Microsoft 365 Business Basic',
      quantity: 10,
      term: 'P1M',
      billingFrequency: 'monthly',
      scheduledChanges: null,
      scheduledChangesRemoved: true,
    });

    // The same offer again changes nothing: 200, no charge, nothing to remove.
    const again = await engine.request('PATCH', path, {
      key: provider.apiKey,
      body: { offerId: 'm365-business-basic' },
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ offerId: 'm365-business-basic', scheduledChangesRemoved: false });

    // Written once each, although the save that wrote them failed after its commit and was retried.
    expect(failedOnce.has(`subscription:${subscriptionId}:change:2`)).toBe(true);
    const rows = await chargeRows(subscriptionId);
    expect(rows.map((row) => row.idempotencyKey).sort()).toEqual(
      [
        `subscription:${subscriptionId}:change:2`,
        `subscription:${subscriptionId}:change:2:credit`,
        `subscription:${subscriptionId}:term0:period0`,
      ].sort(),
    );
    const charges = await engine.request(
      'GET',
      `/v1/customers/${customer.id}/charges?subscriptionId=${subscriptionId}`,
      { key: provider.apiKey },
    );
    // The period came first; the change's two lines share one transaction (and its created_at).
    const [period, ...change] = charges.body.items;
    const credit = change.find((line: { kind: string }) => line.kind === 'refund');
    const charge = change.find((line: { kind: string }) => line.kind === 'charge');
    expect(period).toMatchObject({ kind: 'charge', quantity: 10, amount: 400 * 10, currency: 'EUR' });
    expect(credit).toMatchObject({ kind: 'refund', quantity: 10, periodEnd: period.periodEnd });
    expect(charge).toMatchObject({
      kind: 'charge',
      quantity: 10,
      periodStart: credit.periodStart,
      periodEnd: period.periodEnd,
    });
    const expected = offerChangeProration({
      fromUnitPrice: 400,
      toUnitPrice: 600,
      period: { index: 0, start: new Date(period.periodStart), end: new Date(period.periodEnd), months: 1 },
      at: new Date(charge.periodStart),
      quantity: 10,
    });
    expect([credit.amount, charge.amount]).toEqual([-expected.credit, expected.charge]);
    expect(expected.credit).toBeGreaterThan(0);

    const events = await allEvents(engine, provider.apiKey, customer.id);
    const offerChanges = events.filter((event) => event.action === 'subscription.offer_changed');
    expect(offerChanges).toHaveLength(1);
    expect(offerChanges[0]).toMatchObject({
      actor: `partner:${provider.id}`,
      workflowId: `subscription-${subscriptionId}`,
      runId: expect.any(String),
      details: {
        from: 'teams-essentials',
        to: 'm365-business-basic',
        credit: expected.credit,
        charge: expected.charge,
        scheduledChangesRemoved: true,
      },
    });
    const money = events.filter(
      (event) =>
        (event.action === 'subscription.refunded' || event.action === 'subscription.charged') &&
        String(event.details.key ?? '').startsWith('change:'),
    );
    expect(money.map((event) => [event.action, event.details.amount]).sort()).toEqual([
      ['subscription.charged', expected.charge],
      ['subscription.refunded', -expected.credit],
    ]);

    const published = await engine.request('GET', '/v1/events?type=subscription.updated&limit=200', {
      key: provider.apiKey,
    });
    const upgraded = published.body.items.filter(
      (event: { data: { id: string; offerId: string } }) =>
        event.data.id === subscriptionId && event.data.offerId === 'm365-business-basic',
    );
    expect(upgraded).toHaveLength(1);
    const chargeEvents = await engine.request('GET', '/v1/events?type=charge.created&limit=200', {
      key: provider.apiKey,
    });
    expect(
      chargeEvents.body.items.filter(
        (event: { data: { subscriptionId: string } }) => event.data.subscriptionId === subscriptionId,
      ),
    ).toHaveLength(3);
  });

  const refusals = [
    { name: 'an unknown offer', offerId: 'nope', status: 422, code: 'OFFER_NOT_FOUND' },
    { name: 'an offer in another currency', offerId: usdOffer, status: 422, code: 'OFFER_CURRENCY_MISMATCH' },
    {
      name: 'an offer that does not sell the current term (P1M)',
      offerId: 'm365-e3',
      status: 400,
      code: 'TERM_NOT_OFFERED',
    },
    {
      name: 'an offer whose bounds exclude the current quantity (azure-plan takes 1)',
      offerId: 'azure-plan',
      status: 422,
      code: 'QUANTITY_OUT_OF_BOUNDS',
    },
    { name: 'an offer id that is not an identifier', offerId: 'not an id!', status: 400, code: 'VALIDATION_FAILED' },
  ];

  it('refuses, in the error shape, offers it cannot change to, and changes nothing', async () => {
    const { provider, subscriptionId, path } = await teamsCustomer();
    for (const refusal of refusals) {
      const reply = await engine.request('PATCH', path, { key: provider.apiKey, body: { offerId: refusal.offerId } });
      expect([refusal.name, reply.status, reply.body.error?.code]).toEqual([
        refusal.name,
        refusal.status,
        refusal.code,
      ]);
      expect(reply.body.error).toMatchObject({ requestId: reply.headers.get('x-request-id') });
      if (refusal.code !== 'VALIDATION_FAILED')
        expect(reply.body.error.details).toEqual([expect.objectContaining({ path: 'body.offerId' })]);
    }
    const current = await engine.request('GET', path.replace(/\/[^/]+$/, ''), { key: provider.apiKey });
    expect(current.body.items[0]).toMatchObject({ offerId: 'teams-essentials', quantity: 10 });
    // (The first period may be charged meanwhile; no change is.)
    expect((await chargeRows(subscriptionId)).filter((row) => row.idempotencyKey.includes(':change:'))).toEqual([]);

    // A suspended subscription takes no offer change: 409, as other changes.
    expect(
      (await engine.request('POST', `${path}/suspend`, { key: OPERATOR_KEY, body: { reason: 'payment overdue' } }))
        .status,
    ).toBe(200);
    const suspended = await engine.request('PATCH', path, {
      key: provider.apiKey,
      body: { offerId: 'm365-business-basic' },
    });
    expect(suspended.status).toBe(409);
    expect(suspended.body.error.code).toBe('SUBSCRIPTION_WRONG_STATE');
  });
});
