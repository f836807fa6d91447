import os from 'node:os';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { customerIdSql, resellerIdSql, seedCustomers, uuidSql } from '../bench/reads.seed';
import { openDatabase, type Db } from '../src/db/client';
import { seedCatalog } from '../src/db/seed';
import { listCustomerEvents } from '../src/db/queries/customer-events';
import { getAdminUsername, getCustomerForPartner, listCustomers } from '../src/db/queries/customers';
import { decodeCursor } from '../src/db/queries/pagination';
import { listInvitations } from '../src/db/queries/invitations';
import { listPartnerships } from '../src/db/queries/partnerships';
import { listSubscriptions } from '../src/db/queries/subscriptions';
import * as schema from '../src/db/schema';
import { createScratchDatabase } from './support/scratch-database';

/**
 * The plans Postgres picks for every list and read query, over enough rows (20,000 customers with
 * their users, orders, subscriptions and events; 20,000 invitations) that a missing index shows as a
 * sequential scan or a sort. The queries are the real query functions': a logger records their SQL
 * and parameters, which are then EXPLAINed. No timing is measured.
 */
const runDatabaseUrl = inject('databaseUrl');

type PlanNode = { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; Plans?: PlanNode[] };
const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];

describe.skipIf(!runDatabaseUrl)('query plans at scale', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let client: postgres.Sql;
  let recorded: Array<{ query: string; params: unknown[] }> = [];
  let db: Db;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    scratch = await createScratchDatabase(runDatabaseUrl, 'plans');
    const database = await openDatabase({ databaseUrl: scratch.url, dataDir: os.tmpdir(), maxConnections: 1 });
    await database.migrate();
    await seedCatalog(database.db);
    await seedCustomers(database.db, 20_000, () => {});
    await database.db.execute(
      sql.raw(`insert into invitations (id, provider_id, reseller_email, status, expires_at, workflow_id, created_at)
        select gen_random_uuid(), ${uuidSql(`'provider-' || (g % 2)`)}, 'r' || g || '@example.test',
               case when g % 5 = 0 then 'pending' else 'accepted' end, now() + interval '30 days', 'invitation-' || g, now() - (g || ' seconds')::interval
        from generate_series(1, 20000) g; analyze invitations`),
    );
    const [row] = (await database.db.execute(
      sql.raw(
        `select ${uuidSql(`'provider-0'`)} as provider, ${resellerIdSql('2')} as reseller, ${customerIdSql('1234')} as customer`,
      ),
    )) as unknown as Array<Record<string, string>>;
    Object.assign(ids, row);
    await database.close();
    client = postgres(scratch.url, { max: 1, onnotice: () => {} });
    db = drizzle(client, {
      schema,
      logger: { logQuery: (query, params) => recorded.push({ query, params }) },
    }) as unknown as Db;
  }, 300_000);
  afterAll(async () => {
    await client?.end();
    await scratch?.drop();
  });

  /** Runs a query function and returns the plan of each statement it sent. */
  async function plansOf(run: (db: Db) => Promise<unknown>): Promise<PlanNode[][]> {
    recorded = [];
    await run(db);
    const plans = [];
    for (const { query, params } of recorded) {
      const [row] = await client.unsafe(`explain (format json) ${query}`, params as never[]);
      plans.push(nodes((row!['QUERY PLAN'] as Array<{ Plan: PlanNode }>)[0]!.Plan));
    }
    return plans;
  }

  const provider = () => ({ role: 'provider' as const, partnerId: ids.provider! });
  const secondPage = async () => (await listCustomers(db, { scope: provider(), limit: 50 })).nextCursor!;

  /** `ordered`: read in index order, no sort (lists whose scope holds many rows). */
  const cases: Array<[string, (db: Db) => Promise<unknown>, { ordered?: boolean; index: RegExp; avoid?: RegExp }]> = [
    [
      "a provider's customers, first page",
      (db) => listCustomers(db, { scope: provider(), limit: 50 }),
      { ordered: true, index: /^customers_provider_created_idx$/ },
    ],
    [
      "a provider's customers after a cursor",
      async (db) => listCustomers(db, { scope: provider(), limit: 50, cursor: decodeCursor(await secondPage())! }),
      { ordered: true, index: /^customers_provider_created_idx$/ },
    ],
    [
      "a provider's customers of one reseller",
      (db) => listCustomers(db, { scope: provider(), resellerId: ids.reseller, limit: 50 }),
      { ordered: true, index: /^customers_provider_reseller_created_idx$/ },
    ],
    [
      "a reseller's customers",
      (db) => listCustomers(db, { scope: { role: 'reseller', partnerId: ids.reseller! }, limit: 50 }),
      { index: /^customers_reseller_created_idx$/ },
    ],
    // Customer 1234's name ends, and its domain has in its middle, words of md5('1234').
    [
      'customers searched by the end of a name',
      (db) => listCustomers(db, { scope: provider(), q: '81dc9bdb', limit: 50 }),
      { index: /_trgm_idx$/ },
    ],
    [
      'customers searched by the middle of a domain',
      (db) => listCustomers(db, { scope: provider(), q: '52d04dc2', limit: 50 }),
      { index: /_trgm_idx$/ },
    ],
    // Every name starts with the word Company: its trigrams are in every row, so only the word index
    // may serve this search (the trigram indexes would read a posting list per row per trigram).
    [
      'customers searched by a rare word after a word every customer has',
      (db) => listCustomers(db, { scope: provider(), q: 'Company 1234 ', limit: 50 }),
      { index: /^customers_search_words_idx$/, avoid: /_trgm_idx$/ },
    ],
    [
      'one customer',
      (db) => getCustomerForPartner(db, { id: ids.customer!, scope: provider() }),
      { index: /^customers_pkey$/ },
    ],
    [
      "one customer's admin username",
      (db) => getAdminUsername(db, ids.customer!),
      { index: /^customer_users_customer_idx$/ },
    ],
    [
      "a customer's subscriptions, every status",
      (db) => listSubscriptions(db, { customerId: ids.customer!, limit: 50 }),
      { ordered: true, index: /^subscriptions_customer_created_idx$/ },
    ],
    [
      "a customer's subscriptions after a cursor",
      (db) =>
        listSubscriptions(db, {
          customerId: ids.customer!,
          limit: 50,
          after: { createdAt: new Date(0), id: '00000000-0000-4000-8000-000000000000' },
        }),
      { ordered: true, index: /^subscriptions_customer_created_idx$/ },
    ],
    [
      "a customer's audit trail",
      (db) => listCustomerEvents(db, { customerId: ids.customer!, limit: 50, afterId: 1 }),
      { index: /^customer_events_customer_idx$/ },
    ],
    [
      "a provider's partnerships",
      (db) => listPartnerships(db, { side: 'provider', partnerId: ids.provider!, limit: 50 }),
      { ordered: true, index: /^partnerships_provider_created_idx$/ },
    ],
    [
      "a reseller's partnerships",
      (db) => listPartnerships(db, { side: 'reseller', partnerId: ids.reseller!, limit: 50 }),
      { index: /^partnerships_reseller_created_idx$/ },
    ],
    [
      "a provider's invitations",
      (db) => listInvitations(db, { providerId: ids.provider!, limit: 50 }),
      { ordered: true, index: /^invitations_provider/ },
    ],
    [
      "a provider's pending invitations",
      (db) => listInvitations(db, { providerId: ids.provider!, status: 'pending', limit: 50 }),
      { ordered: true, index: /^invitations_provider_status_created_idx$/ },
    ],
  ];

  for (const [what, run, expectation] of cases) {
    it(`${what}: reads through an index, never a sequential scan${expectation.ordered ? ', in index order (no sort)' : ''}`, async () => {
      const plans = await plansOf(run);
      const main = plans.at(-1)!;
      const described = JSON.stringify(
        main.map((node) => [node['Node Type'], node['Relation Name'] ?? node['Index Name']]),
      );
      for (const plan of plans)
        expect(
          plan.filter((node) => node['Node Type'] === 'Seq Scan' && node['Relation Name'] !== 'offers'),
          described,
        ).toEqual([]);
      expect(
        main.some((node) => expectation.index.test(node['Index Name'] ?? '')),
        described,
      ).toBe(true);
      if (expectation.avoid)
        expect(
          main.some((node) => expectation.avoid!.test(node['Index Name'] ?? '')),
          described,
        ).toBe(false);
      if (expectation.ordered)
        expect(
          main.some((node) => node['Node Type'] === 'Sort'),
          described,
        ).toBe(false);
    });
  }
});
