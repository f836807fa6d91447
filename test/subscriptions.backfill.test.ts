import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscriptionCharges, subscriptions } from '../src/db/schema';
import { addMonths } from '../src/domain/subscription-time';
import { backfillSubscriptionWorkflows } from '../src/services/subscription-backfill';
import { createActiveCustomer, partneredPair } from './support/fixtures';
import { startTestEngine, waitFor, type TestEngine } from './support/harness';

const drizzleDir = path.resolve(import.meta.dirname, '../drizzle');
const journal = JSON.parse(readFileSync(path.join(drizzleDir, 'meta/_journal.json'), 'utf8')) as {
  entries: Array<{ idx: number; tag: string }>;
};
const statements = (tag: string) =>
  readFileSync(path.join(drizzleDir, `${tag}.sql`), 'utf8').split('--> statement-breakpoint');
const run = async (db: PGlite, tag: string) => {
  for (const statement of statements(tag)) await db.exec(statement);
};

describe('migration 0003 on a database that already has subscriptions', () => {
  it("gives existing offers their terms, and existing lines and subscriptions the offer's billing cycle as term, started at their creation", async () => {
    // The migrations need pg_trgm (0002), which PGlite loads only when asked, as src/db/client.ts does.
    const db = new PGlite({ extensions: { pg_trgm } });
    for (const entry of journal.entries.filter((candidate) => candidate.idx < 3)) await run(db, entry.tag);
    await db.exec(`
      INSERT INTO partners (id, kind, partner_id, name, email, country, api_key_hash) VALUES ('00000000-0000-4000-8000-000000000001', 'provider', '1000001', 'P', 'p@example.test', 'ES', 'h');
      INSERT INTO offers VALUES ('m365-e3', 'E3', 1, 10, 3600, 'EUR', 'annual'), ('teams-essentials', 'Teams', 1, 10, 400, 'EUR', 'monthly');
      INSERT INTO customers (id, provider_id, name, domain_prefix, domain, country, address, contact, status)
        VALUES ('00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000001', 'C', 'c', 'c.onmicrosoft.com', 'ES', '{}', '{}', 'active');
      INSERT INTO orders (id, provider_id, customer_id, status, workflow_id) VALUES ('00000000-0000-4000-8000-000000000003', '00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002', 'completed', 'order-x');
      INSERT INTO order_lines (id, order_id, line_number, offer_id, quantity, unit_price, currency) VALUES
        ('00000000-0000-4000-8000-000000000004', '00000000-0000-4000-8000-000000000003', 1, 'm365-e3', 2, 3600, 'EUR'),
        ('00000000-0000-4000-8000-000000000005', '00000000-0000-4000-8000-000000000003', 2, 'teams-essentials', 3, 400, 'EUR');
      INSERT INTO subscriptions (customer_id, order_id, order_line_id, offer_id, quantity, created_at) VALUES
        ('00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000003', '00000000-0000-4000-8000-000000000004', 'm365-e3', 2, '2025-01-31T10:00:00Z'),
        ('00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000003', '00000000-0000-4000-8000-000000000005', 'teams-essentials', 3, '2025-03-15T10:00:00Z');
    `);
    await run(db, '0003_subscription_lifecycle');

    const offers = await db.query<{ id: string; terms: Array<{ term: string }> }>(
      'SELECT id, terms FROM offers ORDER BY id',
    );
    expect(offers.rows.map((offer) => [offer.id, offer.terms.map((entry) => entry.term)])).toEqual([
      ['m365-e3', ['P1Y', 'P3Y']],
      ['teams-essentials', ['P1M', 'P1Y']],
    ]);
    const rows = await db.query<{
      offer_id: string;
      term: string;
      billing_frequency: string;
      started_at: Date;
      workflow_id: string | null;
    }>('SELECT offer_id, term, billing_frequency, started_at, workflow_id FROM subscriptions ORDER BY offer_id');
    expect(
      rows.rows.map((row) => [
        row.offer_id,
        row.term,
        row.billing_frequency,
        new Date(row.started_at).toISOString(),
        row.workflow_id,
      ]),
    ).toEqual([
      ['m365-e3', 'P1Y', 'annual', '2025-01-31T10:00:00.000Z', null],
      ['teams-essentials', 'P1M', 'monthly', '2025-03-15T10:00:00.000Z', null],
    ]);
    const lines = await db.query<{ term: string }>('SELECT term FROM order_lines ORDER BY line_number');
    expect(lines.rows.map((line) => line.term)).toEqual(['P1Y', 'P1M']);
    await db.close();
  });
});

describe('the backfill (npm run subscriptions:backfill)', () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await startTestEngine();
  });
  afterAll(async () => {
    await engine?.stop();
  });

  it('starts one workflow per existing subscription, from its creation; run twice, it starts nothing more and charges nothing twice', async () => {
    const { provider } = await partneredPair(engine);
    const customer = await createActiveCustomer(engine, {
      providerId: provider.id,
      items: [
        { offerId: 'm365-business-basic', quantity: 4 },
        { offerId: 'teams-essentials', quantity: 2 },
      ],
    });
    const ids = customer.subscriptions.map((subscription) => subscription.id);
    const deps = { db: engine.deps.db, temporal: engine.deps.temporal, taskQueue: engine.taskQueue };

    const first = await backfillSubscriptionWorkflows(deps, { subscriptionIds: ids });
    expect(first).toEqual({ started: 2, alreadyRunning: 0 });
    const second = await backfillSubscriptionWorkflows(deps, { subscriptionIds: ids });
    expect(second.started).toBe(0);

    const rows = await waitFor(
      async () => {
        const found = await engine.deps.db.select().from(subscriptions).where(inArray(subscriptions.id, ids));
        return found.every((row) => row.workflowId) && found;
      },
      { what: 'workflows recorded' },
    );
    for (const row of rows) {
      expect(row.workflowId).toBe(`subscription-${row.id}`);
      expect(row.termEndsAt).toEqual(addMonths(row.createdAt, 1, { kind: 'calendar' }));
    }
    expect(await backfillSubscriptionWorkflows(deps, { subscriptionIds: ids })).toEqual({
      started: 0,
      alreadyRunning: 0,
    });
    for (const id of ids) {
      await waitFor(
        async () =>
          (await engine.deps.db.select().from(subscriptionCharges).where(eq(subscriptionCharges.subscriptionId, id)))
            .length > 0,
        { what: 'first charge' },
      );
      const charges = await engine.deps.db
        .select()
        .from(subscriptionCharges)
        .where(eq(subscriptionCharges.subscriptionId, id));
      expect(charges.map((charge) => charge.idempotencyKey)).toEqual([`subscription:${id}:term0:period0`]);
      const description = await engine.deps.temporal.workflow.getHandle(`subscription-${id}`).describe();
      expect(description.status.name).toBe('RUNNING');
    }
  });
});
