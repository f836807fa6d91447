import { and, eq, ne, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../client';
import { customerSearch } from './customer-search';
import { customers, customerUsers, partners } from '../schema';
import { afterCursor, newestFirst, page, type Cursor } from './pagination';

const reseller = alias(partners, 'reseller');

/** What a provider or its reseller sees of a customer: never a password hash. */
const customerColumns = {
  id: customers.id,
  providerId: customers.providerId,
  name: customers.name,
  domainPrefix: customers.domainPrefix,
  domain: customers.domain,
  country: customers.country,
  address: customers.address,
  contact: customers.contact,
  status: customers.status,
  onboardingId: customers.onboardingId,
  createdAt: customers.createdAt,
  updatedAt: customers.updatedAt,
  resellerId: customers.resellerId,
  resellerName: reseller.name,
  resellerPartnerId: reseller.partnerId,
};

/** A provider sees its customers; a reseller sees the customers associated with it. */
export type CustomerScope = { role: 'provider' | 'reseller'; partnerId: string };

function scoped(scope: CustomerScope): SQL {
  return scope.role === 'provider'
    ? eq(customers.providerId, scope.partnerId)
    : eq(customers.resellerId, scope.partnerId);
}

function selectCustomers(db: DbOrTx) {
  return db.select(customerColumns).from(customers).leftJoin(reseller, eq(reseller.id, customers.resellerId));
}

/** Compensated (deleted) customers are gone from every view. */
export async function getCustomerForPartner(db: DbOrTx, params: { id: string; scope: CustomerScope }) {
  const [row] = await selectCustomers(db).where(
    and(eq(customers.id, params.id), scoped(params.scope), ne(customers.status, 'deleted')),
  );
  return row;
}

export type ListCustomersParams = {
  scope: CustomerScope;
  resellerId?: string;
  q?: string;
  limit: number;
  cursor?: Cursor;
};

export async function listCustomers(db: DbOrTx, params: ListCustomersParams) {
  const rows = await selectCustomers(db)
    .where(
      and(
        scoped(params.scope),
        ne(customers.status, 'deleted'),
        params.resellerId ? eq(customers.resellerId, params.resellerId) : undefined,
        params.q ? customerSearch(params.q) : undefined,
        afterCursor(params.cursor, customers.createdAt, customers.id),
      ),
    )
    .orderBy(...newestFirst(customers.createdAt, customers.id))
    .limit(params.limit + 1);
  return page(rows, params.limit);
}

export async function getAdminUsername(db: DbOrTx, customerId: string): Promise<string | null> {
  const [row] = await db
    .select({ username: customerUsers.username })
    .from(customerUsers)
    .where(and(eq(customerUsers.customerId, customerId), eq(customerUsers.status, 'active')));
  return row?.username ?? null;
}
