import { createHash, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import type { ApiDeps } from '../api/context';
import { AppError, notFound } from '../api/errors';
import {
  createOrder,
  deletePendingOrder,
  findOrderProblems,
  getCustomerForPartner,
  getOrderForPartner,
  getOrderLines,
  type Order,
  type OrderRequest,
} from '../db/queries/customer-orders';
import { getPartnerById, type Partner } from '../db/queries/partners';
import { orderWorkflowId } from '../../workflows/ids';
import { orderWorkflow } from '../../workflows/order';
import { CustomerDomain, ProcessStatus, ProviderId, ResellerId } from '../../workflows/search-attributes';
import { subscriptionView } from '../api/views/subscription';
import { listSubscriptions } from '../db/queries/subscriptions';

/**
 * The order id for a request. With an Idempotency-Key it is derived from (provider, customer, key),
 * so even two requests that both got past the key table would insert the same order row and start
 * the same `order-<id>` workflow, which Temporal refuses to run twice.
 */
export function orderIdFor(providerId: string, customerId: string, idempotencyKey?: string): string {
  if (!idempotencyKey) return randomUUID();
  const hex = createHash('sha256').update(`order\n${providerId}\n${customerId}\n${idempotencyKey}`).digest('hex');
  // Shaped as an RFC 9562 version 8 (custom) UUID.
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Refuses what the rules forbid at once (422), then hands the order to its workflow (202). */
export async function startCustomerOrder(
  deps: ApiDeps,
  provider: Partner,
  customerId: string,
  request: OrderRequest,
  idempotencyKey?: string,
): Promise<{ id: string; status: Order['status']; workflowId: string }> {
  const customer = await getCustomerForPartner(deps.db, { customerId, partnerId: provider.id });
  if (!customer || customer.providerId !== provider.id) throw notFound('Customer');
  if (customer.status !== 'active') throw new AppError('CONFLICT', `The customer is ${customer.status}; orders need an active customer`);
  const problems = await findOrderProblems(deps.db, { providerId: provider.id, request });
  if (problems.length > 0) throw new AppError(problems[0]!.code, problems[0]!.message, problems);

  const id = orderIdFor(provider.id, customerId, idempotencyKey);
  const workflowId = orderWorkflowId(id);
  const reseller = customer.resellerId ? await getPartnerById(deps.db, customer.resellerId) : undefined;
  const { created, order } = await createOrder(deps.db, { id, providerId: provider.id, customerId, request, workflowId });
  try {
    await deps.temporal.workflow.start(orderWorkflow, {
      taskQueue: deps.config.temporal.taskQueue,
      workflowId,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      args: [{ orderId: id, providerId: provider.id, customerId, customerDomain: customer.domain, resellerId: customer.resellerId }],
      typedSearchAttributes: [
        { key: ProviderId, value: provider.id },
        { key: CustomerDomain, value: customer.domain },
        { key: ProcessStatus, value: 'pending' },
        ...(customer.resellerId ? [{ key: ResellerId, value: customer.resellerId }] : []),
      ],
      memo: { provider: provider.name, customer: customer.name, ...(reseller ? { reseller: reseller.name } : {}) },
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) {
      if (created) await deletePendingOrder(deps.db, id);
      deps.logger.error({ err: error, workflowId }, 'could not start the order workflow');
      throw new AppError('UNAVAILABLE', 'The workflow service is unavailable; nothing was ordered, try again');
    }
  }
  return { id, status: order.status, workflowId };
}

/** An order with its lines and subscriptions, for the provider that placed it or its customer's reseller. */
export async function getCustomerOrder(deps: ApiDeps, partner: Partner, orderId: string) {
  const order = await getOrderForPartner(deps.db, { orderId, partnerId: partner.id });
  if (!order) throw notFound('Order');
  const [lines, subscriptions] = await Promise.all([getOrderLines(deps.db, orderId), listSubscriptions(deps.db, { customerId: order.customerId, orderId, limit: 200 })]);
  const request = (order.request ?? { items: [] }) as Partial<OrderRequest>;
  return {
    id: order.id,
    customerId: order.customerId,
    providerId: order.providerId,
    status: order.status,
    workflowId: order.workflowId,
    failureReason: order.failureReason,
    items: request.items ?? [],
    supportContactResellerId: request.supportContactResellerId ?? null,
    lines: lines.map((line) => ({
      lineNumber: line.lineNumber,
      offerId: line.offerId,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      currency: line.currency,
      partnerIdOnRecord: line.partnerIdOnRecord,
      term: line.term,
      billingFrequency: line.billingFrequency,
    })),
    subscriptions: subscriptions.items.map((row) => subscriptionView(row)),
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}
