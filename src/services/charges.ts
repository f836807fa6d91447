import type { PartnerCaller } from './callers';
import type { ServiceDeps } from './deps';
import { notFound } from '../domain/errors';
import { chargeView } from '../views/charge';
import { getCustomerForPartner } from '../db/queries/customer-orders';
import { encodeCursor, type Cursor } from '../db/queries/pagination';
import { isResellerOnRecord, listCharges } from '../db/queries/subscription-charges';

/**
 * GET /v1/customers/:id/charges: the provider sees every charge of its customer; a reseller sees
 * the charges of the subscriptions that credit it as partner of record, and nothing else (404).
 */
export async function listCustomerCharges(
  deps: ServiceDeps,
  caller: PartnerCaller,
  params: { customerId: string; subscriptionId?: string; limit: number; cursor?: Cursor },
) {
  const customer = await getCustomerForPartner(deps.db, {
    customerId: params.customerId,
    partnerId: caller.partner.id,
  });
  const isProvider = caller.role === 'provider' && customer?.providerId === caller.partner.id;
  const onRecord =
    caller.role === 'reseller' &&
    (await isResellerOnRecord(deps.db, { customerId: params.customerId, partnerId: caller.partner.partnerId }));
  if (!isProvider && !onRecord) throw notFound('Customer');
  const result = await listCharges(deps.db, {
    customerId: params.customerId,
    subscriptionId: params.subscriptionId,
    partnerIdOnRecord: isProvider ? undefined : caller.partner.partnerId,
    limit: params.limit,
    after: params.cursor ? { createdAt: new Date(params.cursor.createdAt), id: params.cursor.id } : undefined,
  });
  const last = result.items[result.items.length - 1];
  return { items: result.items.map(chargeView), nextCursor: result.hasMore && last ? encodeCursor(last) : null };
}
