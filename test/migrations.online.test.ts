import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase } from '../src/db/client';
import { onlineStatements } from '../src/db/online-indexes';
import { createScratchDatabase } from './support/scratch-database';

const migrationsFolder = path.resolve(import.meta.dirname, '../drizzle');
const scaleIndexes = [
  'customers_provider_created_idx',
  'customers_provider_reseller_created_idx',
  'customers_reseller_created_idx',
  'customers_name_trgm_idx',
  'customers_domain_trgm_idx',
  'customer_users_customer_idx',
  'subscriptions_customer_created_idx',
  'subscriptions_order_idx',
  'invitations_provider_status_created_idx',
  'partnerships_provider_created_idx',
  'partnerships_reseller_created_idx',
];
/** Indexes that later migrations add to tables that already exist (0007: the customers' search words). */
const laterIndexes = ['customers_search_words_idx', 'mail_outbox_unsent_idx'];

describe('online index statements', () => {
  it('rewrites CREATE INDEX IF NOT EXISTS as CONCURRENTLY, keeps extensions, and leaves everything else to the transaction', () => {
    expect(
      onlineStatements([
        '-- why\nCREATE EXTENSION IF NOT EXISTS pg_trgm;',
        'CREATE INDEX IF NOT EXISTS "a_idx" ON "customers" USING gin ("name" gin_trgm_ops);',
        'CREATE UNIQUE INDEX IF NOT EXISTS "b_idx" ON "public"."orders" USING btree ("id");',
        'CREATE INDEX "c_idx" ON "orders" ("id");',
        'DROP INDEX IF EXISTS "d_idx";',
        'ALTER TABLE "orders" ADD COLUMN "x" text;',
      ]),
    ).toEqual([
      { kind: 'extension', sql: 'CREATE EXTENSION IF NOT EXISTS pg_trgm;' },
      {
        kind: 'index',
        name: 'a_idx',
        table: 'customers',
        sql: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "a_idx" ON "customers" USING gin ("name" gin_trgm_ops);',
      },
      {
        kind: 'index',
        name: 'b_idx',
        table: 'orders',
        sql: 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "b_idx" ON "public"."orders" USING btree ("id");',
      },
    ]);
  });

  it('finds every index of the scale migration', () => {
    const statements = readFileSync(path.join(migrationsFolder, '0002_scale_indexes.sql'), 'utf8').split(
      '--> statement-breakpoint',
    );
    expect(
      onlineStatements(statements).flatMap((statement) => (statement.kind === 'index' ? [statement.name] : [])),
    ).toEqual(scaleIndexes);
  });
});

const runDatabaseUrl = inject('databaseUrl');

describe.skipIf(!runDatabaseUrl)('migrating a live Postgres database', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let admin: postgres.Sql;

  /** Applies the migrations before `tag` only, as a database deployed before it would be. */
  async function migrateUpTo(tag: string) {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'poe-migrations-'));
    cpSync(migrationsFolder, folder, { recursive: true });
    const journalPath = path.join(folder, 'meta/_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8'));
    journal.entries = journal.entries.slice(
      0,
      journal.entries.findIndex((entry: { tag: string }) => entry.tag === tag),
    );
    writeFileSync(journalPath, JSON.stringify(journal));
    const client = postgres(scratch.url, { max: 1, onnotice: () => {} });
    await migrate(drizzle(client), { migrationsFolder: folder });
    await client.end();
  }

  const indexStates = async () =>
    admin<Array<{ name: string; valid: boolean; definition: string }>>`
      select c.relname as name, i.indisvalid as valid, pg_get_indexdef(i.indexrelid) as definition
      from pg_index i join pg_class c on c.oid = i.indexrelid where c.relname in ${admin([...scaleIndexes, ...laterIndexes])} order by c.relname`;

  beforeAll(async () => {
    scratch = await createScratchDatabase(runDatabaseUrl, 'online_indexes');
    await migrateUpTo('0002_scale_indexes');
    admin = postgres(scratch.url, { max: 1, onnotice: () => {} });
    await admin`insert into partners (id, kind, partner_id, name, email, country, api_key_hash) values
      ('00000000-0000-4000-8000-000000000001', 'provider', '1234567890', 'P', 'p@example.test', 'ES', 'h')`;
    await admin`insert into customers (id, provider_id, name, domain_prefix, domain, country, address, contact)
      select gen_random_uuid(), '00000000-0000-4000-8000-000000000001', 'Customer ' || g, 'c' || g, 'c' || g || '.onmicrosoft.com', 'ES', '{}', '{}'
      from generate_series(1, 500) g`;
  });
  afterAll(async () => {
    await admin?.end();
    await scratch?.drop();
  });

  it('builds the new indexes concurrently, outside the migration transaction, replacing an invalid leftover of a failed build', async () => {
    // A concurrent build that failed halfway (here: a unique index over duplicates) leaves an INVALID index under the name.
    await admin
      .unsafe('create unique index concurrently "customers_provider_created_idx" on customers (country)')
      .catch(() => {});
    expect(await indexStates()).toEqual([
      expect.objectContaining({ name: 'customers_provider_created_idx', valid: false }),
    ]);

    const database = await openDatabase({ databaseUrl: scratch.url, dataDir: os.tmpdir(), maxConnections: 2 });
    const report = await database.migrate();
    await database.close();

    // CREATE INDEX CONCURRENTLY fails inside a transaction block, so every index listed was built outside one.
    expect(report).toEqual({ built: [...scaleIndexes, ...laterIndexes], deferred: [] });
    const states = await indexStates();
    expect(states.map((state) => state.name).sort()).toEqual([...scaleIndexes, ...laterIndexes].sort());
    expect(states.every((state) => state.valid)).toBe(true);
    expect(states.find((state) => state.name === 'customers_provider_created_idx')!.definition).toContain(
      '(provider_id, created_at DESC, id DESC)',
    );
    const [applied] = await admin`select count(*)::int as count from drizzle.__drizzle_migrations`;
    const journal = JSON.parse(
      readFileSync(path.resolve(import.meta.dirname, '../drizzle/meta/_journal.json'), 'utf8'),
    ) as { entries: unknown[] };
    expect(applied!.count).toBe(journal.entries.length);
  });

  it('has nothing left to build once migrated', async () => {
    const database = await openDatabase({ databaseUrl: scratch.url, dataDir: os.tmpdir(), maxConnections: 1 });
    expect(await database.migrate()).toEqual({ built: [], deferred: [] });
    await database.close();
  });
});

describe('migrating the embedded PGlite database', () => {
  it('loads pg_trgm and builds the trigram indexes inside the migration', async () => {
    const database = await openDatabase({ dataDir: mkdtempSync(path.join(os.tmpdir(), 'poe-pglite-')) });
    await database.migrate();
    const result = (await database.db.execute(
      sql`select indexname from pg_indexes where indexname like '%trgm%' order by 1`,
    )) as unknown as { rows: Array<{ indexname: string }> };
    await database.close();
    expect(result.rows.map((row) => row.indexname)).toEqual(['customers_domain_trgm_idx', 'customers_name_trgm_idx']);
  });
});
