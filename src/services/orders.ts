import type { ServiceDeps } from './deps';
import { AppError, notFound } from '../domain/errors';
import {
  createOrder,
  deletePendingOrder,
  getCustomerForPartner,
  getOrderForPartner,
  getOrderLines,
  orderFacts,
  type Order,
  type OrderRequest,
} from '../db/queries/customer-orders';
import { getPartnerById, type Partner } from '../db/queries/partners';
import { orderProblems } from '../domain/ordering';
import { orderWorkflowId } from '../../workflows/ids';
import { orderWorkflow } from '../../workflows/order';
import { CustomerDomain, ProcessStatus, ProviderId, ResellerId } from '../../workflows/search-attributes';
import { idFor } from './derived-ids';
import { startOnce } from './start-once';
import { orderView } from '../views/order';
import { listSubscriptions } from '../db/queries/subscriptions';

/** Refuses what the rules forbid at once (422), then hands the order to its workflow (202). */
export async function startCustomerOrder(
  deps: ServiceDeps,
  provider: Partner,
  customerId: string,
  request: OrderRequest,
  idempotencyKey?: string,
): Promise<{ id: string; status: Order['status']; workflowId: string }> {
  const customer = await getCustomerForPartner(deps.db, { customerId, partnerId: provider.id });
  if (!customer || customer.providerId !== provider.id) throw notFound('Customer');
  if (customer.status !== 'active')
    throw new AppError('CONFLICT', `The customer is ${customer.status}; orders need an active customer`);
  const problems = orderProblems(request, await orderFacts(deps.db, { providerId: provider.id, request }));
  if (problems.length > 0) throw new AppError(problems[0]!.code, problems[0]!.message, problems);

  const id = idFor('order', [provider.id, customerId], idempotencyKey);
  // An earlier attempt of the same request (same key) created this very row: it is returned as is.
  const { created, order } = await createOrder(deps.db, {
    id,
    providerId: provider.id,
    customerId,
    request,
    workflowId: orderWorkflowId(id),
  });
  const reseller = customer.resellerId ? await getPartnerById(deps.db, customer.resellerId) : undefined;
  await startOnce(
    deps,
    orderWorkflow,
    {
      workflowId: order.workflowId,
      args: [
        {
          orderId: id,
          providerId: provider.id,
          customerId,
          customerDomain: customer.domain,
          resellerId: customer.resellerId,
        },
      ],
      typedSearchAttributes: [
        { key: ProviderId, value: provider.id },
        { key: CustomerDomain, value: customer.domain },
        { key: ProcessStatus, value: 'pending' },
        ...(customer.resellerId ? [{ key: ResellerId, value: customer.resellerId }] : []),
      ],
      memo: { provider: provider.name, customer: customer.name, ...(reseller ? { reseller: reseller.name } : {}) },
    },
    created ? () => deletePendingOrder(deps.db, id) : undefined,
    'nothing was ordered',
  );
  return { id, status: order.status, workflowId: order.workflowId };
}

/** An order with its lines and subscriptions, for the provider that placed it or its customer's reseller. */
export async function getCustomerOrder(deps: Pick<ServiceDeps, 'db'>, partner: Pick<Partner, 'id'>, orderId: string) {
  const order = await getOrderForPartner(deps.db, { orderId, partnerId: partner.id });
  if (!order) throw notFound('Order');
  const [lines, subscriptions] = await Promise.all([
    getOrderLines(deps.db, orderId),
    listSubscriptions(deps.db, { customerId: order.customerId, orderId, limit: 200 }),
  ]);
  return orderView(order, lines, subscriptions.items);
}
