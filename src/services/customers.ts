import type { ServiceDeps } from './deps';
import { notFound } from '../domain/errors';
import type { PartnerCaller } from './callers';
import {
  getAdminUsername,
  getCustomerForPartner,
  listCustomers,
  type CustomerScope,
  type ListCustomersParams,
} from '../db/queries/customers';
import { encodeCursor, type Cursor } from '../db/queries/pagination';
import { listSubscriptions } from '../db/queries/subscriptions';
import { customerView } from '../views/customer';
import { subscriptionView } from '../views/subscription';
import type { SubscriptionStatus } from '../db/schema';

export const scopeOf = (caller: PartnerCaller): CustomerScope => ({ role: caller.role, partnerId: caller.partner.id });

export async function listCustomersFor(
  deps: ServiceDeps,
  caller: PartnerCaller,
  params: Omit<ListCustomersParams, 'scope'>,
) {
  const result = await listCustomers(deps.db, { ...params, scope: scopeOf(caller) });
  return { items: result.items.map(customerView), nextCursor: result.nextCursor };
}

/** One customer the caller may see, with its admin's username; another partner's customer is 404. */
export async function getCustomerFor(deps: ServiceDeps, caller: PartnerCaller, id: string) {
  // Read side by side (one round trip's wait, not two); the username is returned only with a visible customer.
  const [row, adminUsername] = await Promise.all([
    getCustomerForPartner(deps.db, { id, scope: scopeOf(caller) }),
    getAdminUsername(deps.db, id),
  ]);
  if (!row) throw notFound('Customer');
  return { ...customerView(row), adminUsername };
}

export async function listCustomerSubscriptions(
  deps: ServiceDeps,
  caller: PartnerCaller,
  params: { customerId: string; status?: SubscriptionStatus; limit: number; cursor?: Cursor },
) {
  // The access check and the page are read side by side; the page is returned only when the check passes.
  const [customer, result] = await Promise.all([
    getCustomerForPartner(deps.db, { id: params.customerId, scope: scopeOf(caller) }),
    listSubscriptions(deps.db, {
      customerId: params.customerId,
      status: params.status,
      limit: params.limit,
      after: params.cursor ? { createdAt: new Date(params.cursor.createdAt), id: params.cursor.id } : undefined,
    }),
  ]);
  if (!customer) throw notFound('Customer');
  const last = result.items[result.items.length - 1];
  return {
    items: result.items.map((row) => subscriptionView(row)),
    nextCursor: result.hasMore && last ? encodeCursor(last) : null,
  };
}
