import { and, asc, eq, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client';
import { customers, orderLines, orders, subscriptions } from '../schema';
import { findActivePartnerReseller } from './customer-subscriptions';
import { getOffersByIds } from './offers';
import { preparedQuery } from './prepared';
import type { OrderFacts, OrderRequest } from '../../domain/ordering';

export type { OrderItem, OrderRequest } from '../../domain/ordering';

/** The columns a customer is checked with by the order, subscription and audit routes; never its users. */
const customerAccessColumns = {
  id: customers.id,
  providerId: customers.providerId,
  resellerId: customers.resellerId,
  name: customers.name,
  domain: customers.domain,
  status: customers.status,
  contact: customers.contact,
};
export type CustomerAccess = { [K in keyof typeof customerAccessColumns]: (typeof customers.$inferSelect)[K] };

const customerAccess = preparedQuery((db, shape: { scoped: boolean }) =>
  db
    .select(customerAccessColumns)
    .from(customers)
    .where(
      and(
        eq(customers.id, sql.placeholder('customerId')),
        shape.scoped
          ? or(
              eq(customers.providerId, sql.placeholder('partnerId')),
              eq(customers.resellerId, sql.placeholder('partnerId')),
            )
          : undefined,
      ),
    )
    .prepare('customer_access'),
);

/**
 * A customer as one partner may see it: its provider always, a reseller while the customer is
 * associated with it. Anyone else gets nothing (the API answers 404).
 */
export async function getCustomerForPartner(
  db: DbOrTx,
  params: { customerId: string; partnerId: string },
): Promise<CustomerAccess | undefined> {
  const [row] = await customerAccess(db, { scoped: true }).execute(params);
  return row;
}

/** Operators see every customer. */
export async function getCustomerById(db: DbOrTx, customerId: string): Promise<CustomerAccess | undefined> {
  const [row] = await customerAccess(db, { scoped: false }).execute({ customerId });
  return row;
}

export type Order = typeof orders.$inferSelect;

export type CreateOrderParams = {
  id: string;
  providerId: string;
  customerId: string;
  request: OrderRequest;
  workflowId: string;
};

/**
 * Inserts the pending order. The id may be derived from an Idempotency-Key, so a second insert with
 * the same id finds the first order instead of creating another.
 */
export async function createOrder(db: DbOrTx, params: CreateOrderParams): Promise<{ created: boolean; order: Order }> {
  const [created] = await db.insert(orders).values(params).onConflictDoNothing({ target: orders.id }).returning();
  if (created) return { created: true, order: created };
  const [existing] = await db.select().from(orders).where(eq(orders.id, params.id));
  return { created: false, order: existing! };
}

export async function deletePendingOrder(db: DbOrTx, id: string): Promise<void> {
  await db.delete(orders).where(and(eq(orders.id, id), eq(orders.status, 'pending')));
}

/** An order as one partner may see it: the provider that placed it, or the reseller managing its customer. */
export async function getOrderForPartner(
  db: DbOrTx,
  params: { orderId: string; partnerId: string },
): Promise<Order | undefined> {
  const [row] = await db
    .select({ order: orders })
    .from(orders)
    .innerJoin(customers, eq(customers.id, orders.customerId))
    .where(
      and(
        eq(orders.id, params.orderId),
        or(eq(orders.providerId, params.partnerId), eq(customers.resellerId, params.partnerId)),
      ),
    );
  return row?.order;
}

export async function getOrderLines(db: DbOrTx, orderId: string) {
  return db.select().from(orderLines).where(eq(orderLines.orderId, orderId)).orderBy(asc(orderLines.lineNumber));
}

/** What an order is checked against (src/domain/ordering.ts `orderProblems`), read from the catalog and the provider's partnerships. */
export async function orderFacts(
  db: DbOrTx,
  params: { providerId: string; request: OrderRequest },
): Promise<OrderFacts> {
  const offers = await getOffersByIds(db, [...new Set(params.request.items.map((item) => item.offerId))]);
  const partneredPartnerIds = new Set<string>();
  for (const partnerId of new Set(
    params.request.items.flatMap((item) => (item.partnerIdOnRecord ? [item.partnerIdOnRecord] : [])),
  )) {
    if (await findActivePartnerReseller(db, { providerId: params.providerId, partnerId }))
      partneredPartnerIds.add(partnerId);
  }
  const resellerId = params.request.supportContactResellerId;
  const partneredSupportContact =
    !!resellerId && !!(await findActivePartnerReseller(db, { providerId: params.providerId, resellerId }));
  return { offers, partneredPartnerIds, partneredSupportContact };
}
