import { sql } from 'drizzle-orm';
import type { Db } from '../src/db/client';

/** Bench partners' API keys are derived from their number, so the bench can call as any of them. */
export const providerKey = (n: number) => `poe_bench_provider_${n}_0123456789abcdef`;
export const resellerKey = (n: number) => `poe_bench_reseller_${n}_0123456789abcdef`;
/** The same keys' sha256, computed by Postgres for partner n. */
const keyHashSql = (kind: string) =>
  `encode(sha256(convert_to('poe_bench_${kind}_' || n || '_0123456789abcdef', 'UTF8')), 'hex')`;
/** A stable UUID (version 4 bits set, as the API's validation wants) made from a label: ids need no lookup. */
export const uuidSql = (label: string) =>
  `overlay(overlay(md5(${label}) placing '4' from 13) placing '8' from 17)::uuid`;
/** Customer g's id. */
export const customerIdSql = (g: string) => uuidSql(`'customer-' || ${g}`);
const providerIdSql = (n: string) => uuidSql(`'provider-' || ${n}`);
export const resellerIdSql = (n: string) => uuidSql(`'reseller-' || ${n}`);
const orderIdSql = (g: string) => uuidSql(`'order-' || ${g}`);

export const PROVIDERS = 2;
export const RESELLERS = 1_000;

/**
 * Loads `customers` customers by SQL alone, the shape of a distributor's book: 2 providers,
 * 1,000 resellers (every tenth customer has none), and per customer an admin user, one order,
 * 2 subscriptions and 3 audit events. Customer g belongs to provider g % 2 and reseller g % 1000;
 * its name is `Company <g> <md5 word>` and its domain `c<g>x<md5 word>.onmicrosoft.com`.
 * Inserts go in slices so progress shows and no statement holds a million rows of undo.
 */
export async function seedCustomers(db: Db, customers: number, progress: (done: number) => void): Promise<void> {
  await db.execute(
    sql.raw(`
    insert into partners (id, kind, partner_id, name, email, country, csp_enrolled, api_key_hash)
    select ${providerIdSql('n')}, 'provider', (8000000000 + n)::text, 'Bench provider ' || n, 'provider' || n || '@bench.test', 'ES', false,
           ${keyHashSql('provider')}
    from generate_series(0, ${PROVIDERS - 1}) n
    union all
    select ${resellerIdSql('n')}, 'reseller', (9000000000 + n)::text, 'Bench reseller ' || n, 'reseller' || n || '@bench.test', 'ES', true,
           ${keyHashSql('reseller')}
    from generate_series(0, ${RESELLERS - 1}) n`),
  );
  await db.execute(
    sql.raw(`
    insert into partnerships (provider_id, reseller_id, created_at)
    select ${providerIdSql('p')}, ${resellerIdSql('r')}, now() - (r || ' minutes')::interval
    from generate_series(0, ${PROVIDERS - 1}) p, generate_series(0, ${RESELLERS - 1}) r`),
  );
  const slice = 100_000;
  for (let from = 1; from <= customers; from += slice) {
    const to = Math.min(customers, from + slice - 1);
    const id = customerIdSql('g');
    await db.execute(
      sql.raw(`
      insert into customers (id, provider_id, reseller_id, name, domain_prefix, domain, country, address, contact, status, created_at, updated_at)
      select ${id}, ${providerIdSql(`(g % ${PROVIDERS})`)},
             case when g % 10 = 0 then null else ${resellerIdSql(`(g % ${RESELLERS})`)} end,
             'Company ' || g || ' ' || substr(md5(g::text), 1, 8), 'c' || g || 'x' || substr(md5(g::text), 9, 8),
             'c' || g || 'x' || substr(md5(g::text), 9, 8) || '.onmicrosoft.com', 'ES',
             '{"line1":"Calle 1","city":"Madrid","postalCode":"28001"}', '{"firstName":"Ana","lastName":"Ruiz","email":"ana@example.test"}',
             'active', now() - (g || ' seconds')::interval, now()
      from generate_series(${from}, ${to}) g;
      insert into customer_users (customer_id, username, password_hash)
      select ${id}, 'admin@c' || g || '.onmicrosoft.com', 'bench' from generate_series(${from}, ${to}) g;
      insert into orders (id, provider_id, customer_id, status, workflow_id, created_at)
      select ${orderIdSql('g')}, ${providerIdSql(`(g % ${PROVIDERS})`)}, ${id}, 'completed', 'order-bench-' || g, now() - (g || ' seconds')::interval
      from generate_series(${from}, ${to}) g;
      insert into subscriptions (customer_id, order_id, order_line_id, offer_id, quantity, status, term, billing_frequency, created_at)
      select ${id}, ${orderIdSql('g')}, md5('line-' || g || '-' || s)::uuid,
             case s when 1 then 'm365-business-basic' else 'm365-e3' end, 10, case when g % 7 = 0 and s = 2 then 'cancelled' else 'active' end, 'P1Y', 'monthly',
             now() - (g || ' seconds')::interval + (s || ' milliseconds')::interval
      from generate_series(${from}, ${to}) g, generate_series(1, 2) s;
      insert into customer_events (customer_id, actor, action, details, created_at)
      select ${id}, 'workflow', case e when 1 then 'customer.created' when 2 then 'subscription.created' else 'credentials.revealed' end, '{}', now()
      from generate_series(${from}, ${to}) g, generate_series(1, 3) e;`),
    );
    progress(to);
  }
  // VACUUM also moves the trigram indexes' pending entries into the index proper, as autovacuum would.
  await db.execute(sql.raw('vacuum analyze'));
}
