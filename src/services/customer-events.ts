import type { Caller } from './callers';
import type { ServiceDeps } from './deps';
import { AppError, notFound } from '../domain/errors';
import { listCustomerEvents } from '../db/queries/customer-events';
import { getCustomerById, getCustomerForPartner } from '../db/queries/customer-orders';
import { customerEventView } from '../views/customer-event';

/** Cursors of the audit trail are the last event id seen; anything else is refused with a 400. */
function afterIdFrom(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  if (!/^\d{1,15}$/.test(cursor)) {
    throw new AppError('VALIDATION_FAILED', 'query.cursor: not a cursor this API issued', [
      { path: 'query.cursor', code: 'invalid', message: 'unknown cursor' },
    ]);
  }
  return Number(cursor);
}

/**
 * A customer's audit trail, oldest first: its provider, the reseller associated with it and
 * operators may read it; anyone else is told the customer does not exist.
 */
export async function listEventsOfCustomer(
  deps: ServiceDeps,
  caller: Caller,
  customerId: string,
  page: { limit: number; cursor?: string },
) {
  const afterId = afterIdFrom(page.cursor);
  // The access check and the page are read side by side (one round trip's wait, not two); the page is
  // returned only when the check passes.
  const [customer, result] = await Promise.all([
    caller.role === 'operator'
      ? getCustomerById(deps.db, customerId)
      : getCustomerForPartner(deps.db, { customerId, partnerId: caller.partner.id }),
    listCustomerEvents(deps.db, { customerId, limit: page.limit, afterId }),
  ]);
  if (!customer) throw notFound('Customer');
  return {
    items: result.items.map(customerEventView),
    nextCursor: result.nextCursor,
  };
}
