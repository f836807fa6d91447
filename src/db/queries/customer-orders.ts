import { and, asc, eq, or } from 'drizzle-orm';
import type { DbOrTx } from '../client';
import { customers, orderLines, orders, subscriptions } from '../schema';
import { findActivePartnerReseller } from './customer-subscriptions';
import { getOffersByIds } from './offers';
import {
  isTermChoiceRefusal,
  resolveTermChoice,
  termChoiceFieldError,
  type BillingFrequency,
  type SubscriptionTerm,
  type TermChoiceRefusal,
} from '../../domain/subscription-billing';

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

/**
 * A customer as one partner may see it: its provider always, a reseller while the customer is
 * associated with it. Anyone else gets nothing (the API answers 404).
 */
export async function getCustomerForPartner(db: DbOrTx, params: { customerId: string; partnerId: string }): Promise<CustomerAccess | undefined> {
  const [row] = await db
    .select(customerAccessColumns)
    .from(customers)
    .where(and(eq(customers.id, params.customerId), or(eq(customers.providerId, params.partnerId), eq(customers.resellerId, params.partnerId))));
  return row;
}

/** Operators see every customer. */
export async function getCustomerById(db: DbOrTx, customerId: string): Promise<CustomerAccess | undefined> {
  const [row] = await db.select(customerAccessColumns).from(customers).where(eq(customers.id, customerId));
  return row;
}

export type OrderItem = { offerId: string; quantity: number; partnerIdOnRecord?: string; term?: SubscriptionTerm; billingFrequency?: BillingFrequency };
export type OrderRequest = { items: OrderItem[]; supportContactResellerId?: string };
export type Order = typeof orders.$inferSelect;

export type CreateOrderParams = { id: string; providerId: string; customerId: string; request: OrderRequest; workflowId: string };

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
export async function getOrderForPartner(db: DbOrTx, params: { orderId: string; partnerId: string }): Promise<Order | undefined> {
  const [row] = await db
    .select({ order: orders })
    .from(orders)
    .innerJoin(customers, eq(customers.id, orders.customerId))
    .where(and(eq(orders.id, params.orderId), or(eq(orders.providerId, params.partnerId), eq(customers.resellerId, params.partnerId))));
  return row?.order;
}

export async function getOrderLines(db: DbOrTx, orderId: string) {
  return db.select().from(orderLines).where(eq(orderLines.orderId, orderId)).orderBy(asc(orderLines.lineNumber));
}

export type OrderProblem = { field: string; code: 'OFFER_NOT_FOUND' | 'QUANTITY_OUT_OF_BOUNDS' | 'PARTNERSHIP_NOT_ACTIVE' | TermChoiceRefusal['code']; message: string };

/**
 * The business rules an order must pass, checked against the catalog and the provider's active
 * partnerships. The API checks them to answer 422 at once; the workflow checks them again because
 * a partnership can be removed between the request and the run.
 */
export async function findOrderProblems(db: DbOrTx, params: { providerId: string; request: OrderRequest }): Promise<OrderProblem[]> {
  const problems: OrderProblem[] = [];
  const offerIds = [...new Set(params.request.items.map((item) => item.offerId))];
  const catalog = await getOffersByIds(db, offerIds);
  const partnered = new Map<string, boolean>();
  const isPartnered = async (key: { partnerId: string } | { resellerId: string }) => {
    const cacheKey = JSON.stringify(key);
    if (!partnered.has(cacheKey)) partnered.set(cacheKey, !!(await findActivePartnerReseller(db, { providerId: params.providerId, ...key })));
    return partnered.get(cacheKey)!;
  };
  for (const [index, item] of params.request.items.entries()) {
    const offer = catalog.get(item.offerId);
    if (!offer) {
      problems.push({ field: `items.${index}.offerId`, code: 'OFFER_NOT_FOUND', message: `No offer ${item.offerId} in the catalog` });
    } else if (item.quantity < offer.minQuantity || item.quantity > offer.maxQuantity) {
      problems.push({
        field: `items.${index}.quantity`,
        code: 'QUANTITY_OUT_OF_BOUNDS',
        message: `${offer.name} takes ${offer.minQuantity} to ${offer.maxQuantity} licenses, not ${item.quantity}`,
      });
    }
    const choice = offer && resolveTermChoice(offer, item);
    if (choice && isTermChoiceRefusal(choice)) problems.push(termChoiceFieldError(choice, index));
    if (item.partnerIdOnRecord && !(await isPartnered({ partnerId: item.partnerIdOnRecord }))) {
      problems.push({
        field: `items.${index}.partnerIdOnRecord`,
        code: 'PARTNERSHIP_NOT_ACTIVE',
        message: `Partner ${item.partnerIdOnRecord} is not a reseller in an active partnership with you`,
      });
    }
  }
  if (params.request.supportContactResellerId && !(await isPartnered({ resellerId: params.request.supportContactResellerId }))) {
    problems.push({
      field: 'supportContactResellerId',
      code: 'PARTNERSHIP_NOT_ACTIVE',
      message: 'The support contact must be a reseller in an active partnership with you',
    });
  }
  return problems;
}
