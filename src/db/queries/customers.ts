import { and, eq, ne, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '../client';
import { customerSearch, customerSearchValues, type SearchKind } from './customer-search';
import { customers, customerUsers, partners } from '../schema';
import { afterCursorPlaceholders, cursorValues, newestFirst, page, type Cursor } from './pagination';
import { preparedQuery } from './prepared';

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

/** The scope's condition; its partner goes in as the `partnerId` placeholder. */
function scoped(role: CustomerScope['role']): SQL {
  return eq(role === 'provider' ? customers.providerId : customers.resellerId, sql.placeholder('partnerId'));
}

function selectCustomers(db: DbOrTx) {
  return db.select(customerColumns).from(customers).leftJoin(reseller, eq(reseller.id, customers.resellerId));
}

const customerForPartner = preparedQuery((db, shape: { role: CustomerScope['role'] }) =>
  selectCustomers(db)
    .where(and(eq(customers.id, sql.placeholder('id')), scoped(shape.role), ne(customers.status, 'deleted')))
    .prepare('customer_for_partner'),
);

/** Compensated (deleted) customers are gone from every view. */
export async function getCustomerForPartner(db: DbOrTx, params: { id: string; scope: CustomerScope }) {
  const [row] = await customerForPartner(db, { role: params.scope.role }).execute({
    id: params.id,
    partnerId: params.scope.partnerId,
  });
  return row;
}

export type ListCustomersParams = {
  scope: CustomerScope;
  resellerId?: string;
  q?: string;
  limit: number;
  cursor?: Cursor;
};

const customersPage = preparedQuery(
  (db, shape: { role: CustomerScope['role']; byReseller: boolean; search: SearchKind | 'none'; after: boolean }) =>
    selectCustomers(db)
      .where(
        and(
          scoped(shape.role),
          ne(customers.status, 'deleted'),
          shape.byReseller ? eq(customers.resellerId, sql.placeholder('resellerId')) : undefined,
          shape.search === 'none' ? undefined : customerSearch(shape.search),
          shape.after ? afterCursorPlaceholders(customers.createdAt, customers.id) : undefined,
        ),
      )
      .orderBy(...newestFirst(customers.createdAt, customers.id))
      .limit(sql.placeholder('limit'))
      .prepare('customers_page'),
);

export async function listCustomers(db: DbOrTx, params: ListCustomersParams) {
  const search = params.q ? customerSearchValues(params.q) : undefined;
  const rows = await customersPage(db, {
    role: params.scope.role,
    byReseller: params.resellerId !== undefined,
    search: search?.kind ?? 'none',
    after: params.cursor !== undefined,
  }).execute({
    partnerId: params.scope.partnerId,
    resellerId: params.resellerId,
    ...search?.values,
    ...cursorValues(params.cursor),
    limit: params.limit + 1,
  });
  return page(rows, params.limit);
}

const adminUsername = preparedQuery((db) =>
  db
    .select({ username: customerUsers.username })
    .from(customerUsers)
    .where(and(eq(customerUsers.customerId, sql.placeholder('customerId')), eq(customerUsers.status, 'active')))
    .prepare('admin_username'),
);

export async function getAdminUsername(db: DbOrTx, customerId: string): Promise<string | null> {
  const [row] = await adminUsername(db).execute({ customerId });
  return row?.username ?? null;
}
