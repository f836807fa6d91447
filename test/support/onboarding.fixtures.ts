import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { waitFor, type TestEngine } from './harness';
import { OFFERS } from './catalog';

/** Shared set-up of the onboarding and customer tests. */

export const uniquePrefix = (label = 'cust') => `${label}${randomBytes(5).toString('hex')}`;

export function onboardingBody(overrides: Record<string, unknown> = {}) {
  return {
    company: {
      name: 'Woodgrove Bank',
      domainPrefix: uniquePrefix(),
      country: 'ES',
      address: { line1: 'Calle Mayor 1', city: 'Madrid', postalCode: '28013' },
    },
    contact: { firstName: 'Ana', lastName: 'García', email: 'ana@woodgrove.example', phone: '+34 600 000 000' },
    items: [
      { offerId: OFFERS.m365BusinessPremium, quantity: 10 },
      { offerId: OFFERS.exchangeOnlineP1, quantity: 5 },
    ],
    ...overrides,
  };
}

/** Polls GET /v1/customer-onboardings/:id until its status is one of `statuses`. */
export async function onboardingIn(
  engine: TestEngine,
  key: string,
  id: string,
  statuses: string[],
  timeoutMs = 30_000,
) {
  return waitFor(
    async () => {
      const reply = await engine.request('GET', `/v1/customer-onboardings/${id}`, { key });
      return statuses.includes(reply.body.status) && reply.body;
    },
    { timeoutMs, what: `onboarding ${id} in ${statuses.join('|')}` },
  );
}

/** Starts an onboarding and waits for its review. */
export async function reviewedOnboarding(engine: TestEngine, key: string, body: Record<string, unknown>) {
  const created = await engine.request('POST', '/v1/customer-onboardings', { key, body });
  if (created.status !== 202) throw new Error(`creating an onboarding failed: ${created.status} ${created.text}`);
  return onboardingIn(engine, key, created.body.id, ['awaiting_review']);
}

/** Every row of every table of the database as JSON text, to search for plaintext secrets. */
export async function databaseDump(engine: TestEngine): Promise<string> {
  const tables = await engine.deps.db.execute<{ table_name: string }>(
    sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
  );
  const rows = Array.isArray(tables) ? tables : (tables as unknown as { rows: Array<{ table_name: string }> }).rows;
  const parts: string[] = [];
  for (const { table_name } of rows) {
    const dump = await engine.deps.db.execute(
      sql.raw(`select coalesce(json_agg(row_to_json(t)), '[]'::json)::text as dump from "${table_name}" t`),
    );
    const [row] = (Array.isArray(dump) ? dump : (dump as unknown as { rows: unknown[] }).rows) as Array<{
      dump: string;
    }>;
    parts.push(`${table_name}: ${row?.dump ?? '[]'}`);
  }
  return parts.join('\n');
}

/** Rows that would make a customer look alive after a failed or cancelled onboarding. */
export async function liveRowsFor(engine: TestEngine, domainPrefix: string) {
  const result = await engine.deps.db.execute<{
    customers: number;
    users: number;
    orders: number;
    subscriptions: number;
    escrow: number;
  }>(sql`
    select
      (select count(*)::int from customers where domain_prefix = ${domainPrefix} and status <> 'deleted') as customers,
      (select count(*)::int from customer_users u join customers c on c.id = u.customer_id where c.domain_prefix = ${domainPrefix}) as users,
      (select count(*)::int from orders o join customers c on c.id = o.customer_id where c.domain_prefix = ${domainPrefix} and o.status <> 'cancelled') as orders,
      (select count(*)::int from subscriptions s join customers c on c.id = s.customer_id where c.domain_prefix = ${domainPrefix} and s.status <> 'cancelled') as subscriptions,
      (select count(*)::int from credential_escrow e join customer_onboardings o on o.id = e.onboarding_id where o.domain_prefix = ${domainPrefix}) as escrow
  `);
  const rows = Array.isArray(result) ? result : (result as unknown as { rows: unknown[] }).rows;
  return rows[0] as { customers: number; users: number; orders: number; subscriptions: number; escrow: number };
}
