import { randomBytes, randomUUID } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import { customers, orderLines, orders, partnerships, subscriptions } from '../../src/db/schema';
import { backfillSubscriptionWorkflows } from '../../src/services/subscription-backfill';
import type { CustomerEvent, Page } from './api-types';
import { apiClient, type ApiClient } from './client';
import { createTestPartner, waitFor, uniqueEmail, type Reply, type TestEngine, type TestPartner } from './harness';
import { OFFERS } from './catalog';

/**
 * Test setup written straight into the real test database: partnerships and existing customers
 * as they would stand after an accepted invitation and a completed onboarding.
 */

export async function createPartnership(
  engine: TestEngine,
  provider: TestPartner,
  reseller: TestPartner,
): Promise<string> {
  const [row] = await engine.deps.db
    .insert(partnerships)
    .values({ providerId: provider.id, resellerId: reseller.id })
    .returning({ id: partnerships.id });
  return row!.id;
}

/** A provider, an enrolled reseller, the partnership between them, and each side's typed API client. */
export type PartneredPair = {
  provider: TestPartner;
  reseller: TestPartner;
  partnershipId: string;
  asProvider: ApiClient;
  asReseller: ApiClient;
};

/** Each partner of a pair with a client that calls the API with its key. */
export function clientsOf(engine: TestEngine, provider: TestPartner, reseller: TestPartner) {
  return {
    provider,
    reseller,
    asProvider: apiClient(engine.request, provider.apiKey),
    asReseller: apiClient(engine.request, reseller.apiKey),
  };
}

/** A provider, an enrolled reseller and the active partnership between them, in one call (written straight into the database). */
export async function partneredPair(engine: TestEngine): Promise<PartneredPair> {
  const provider = await createTestPartner(engine.request, { kind: 'provider' });
  const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
  const partnershipId = await createPartnership(engine, provider, reseller);
  return { ...clientsOf(engine, provider, reseller), partnershipId };
}

export type FixtureCustomer = {
  id: string;
  domain: string;
  contactEmail: string;
  subscriptions: Array<{ id: string; offerId: string; quantity: number }>;
};

/** An active customer of the provider with its initial order and one subscription per item. */
export async function createActiveCustomer(
  engine: TestEngine,
  params: { providerId: string; resellerId?: string; items?: Array<{ offerId: string; quantity: number }> },
): Promise<FixtureCustomer> {
  const db = engine.deps.db;
  const id = randomUUID();
  const domainPrefix = `fixture${randomBytes(5).toString('hex')}`;
  const domain = `${domainPrefix}.onmicrosoft.com`;
  const contactEmail = uniqueEmail('contact');
  const items = params.items ?? [{ offerId: OFFERS.m365BusinessBasic, quantity: 10 }];
  return db.transaction(async (tx) => {
    await tx.insert(customers).values({
      id,
      providerId: params.providerId,
      resellerId: params.resellerId ?? null,
      name: `Fixture ${domainPrefix}`,
      domainPrefix,
      domain,
      country: 'ES',
      address: { line1: 'Calle Mayor 1', city: 'Madrid', postalCode: '28013' },
      contact: { firstName: 'Ana', lastName: 'García', email: contactEmail },
      status: 'active',
    });
    const orderId = randomUUID();
    await tx.insert(orders).values({
      id: orderId,
      providerId: params.providerId,
      customerId: id,
      status: 'completed',
      workflowId: 'fixture',
    });
    const created: FixtureCustomer['subscriptions'] = [];
    for (const [index, item] of items.entries()) {
      const [line] = await tx
        .insert(orderLines)
        .values({
          orderId,
          lineNumber: index + 1,
          offerId: item.offerId,
          quantity: item.quantity,
          unitPrice: 600,
          currency: 'EUR',
          term: 'P1M',
          billingFrequency: 'monthly',
        })
        .returning({ id: orderLines.id });
      const [subscription] = await tx
        .insert(subscriptions)
        .values({
          customerId: id,
          orderId,
          orderLineId: line!.id,
          offerId: item.offerId,
          quantity: item.quantity,
          term: 'P1M',
          billingFrequency: 'monthly',
        })
        .returning({ id: subscriptions.id, offerId: subscriptions.offerId, quantity: subscriptions.quantity });
      created.push(subscription!);
    }
    return { id, domain, contactEmail, subscriptions: created };
  });
}

export async function customerRow(engine: TestEngine, customerId: string) {
  const [row] = await engine.deps.db.select().from(customers).where(eq(customers.id, customerId));
  return row!;
}

export async function ordersOf(engine: TestEngine, customerId: string, orderId?: string) {
  return engine.deps.db
    .select()
    .from(orders)
    .where(and(eq(orders.customerId, customerId), orderId ? eq(orders.id, orderId) : undefined));
}

export async function subscriptionsOfOrder(engine: TestEngine, orderId: string) {
  return engine.deps.db.select().from(subscriptions).where(eq(subscriptions.orderId, orderId));
}

/** Every event of a customer's audit trail, following the cursor. */
export async function allEvents(engine: TestEngine, key: string, customerId: string): Promise<CustomerEvent[]> {
  const events: CustomerEvent[] = [];
  let cursor: string | null = null;
  do {
    const reply: Reply<Page<CustomerEvent>> = await apiClient(engine.request, key).get(
      `/v1/customers/${customerId}/events?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
    );
    if (reply.status !== 200) throw new Error(`events: ${reply.status} ${reply.text}`);
    events.push(...reply.body.items);
    cursor = reply.body.nextCursor;
  } while (cursor);
  return events;
}

/**
 * Gives fixture subscriptions (written straight into the database, like subscriptions that existed
 * before lifecycles) their workflow through the backfill, and waits until each has recorded itself.
 */
export async function startLifecycles(engine: TestEngine, subscriptionIds: string[]): Promise<void> {
  await backfillSubscriptionWorkflows(
    { db: engine.deps.db, temporal: engine.deps.temporal, taskQueue: engine.taskQueue },
    { subscriptionIds },
  );
  await waitFor(
    async () => {
      const rows = await engine.deps.db
        .select({ workflowId: subscriptions.workflowId })
        .from(subscriptions)
        .where(inArray(subscriptions.id, subscriptionIds));
      return rows.every((row) => row.workflowId !== null);
    },
    { what: 'subscription workflows recorded' },
  );
}
