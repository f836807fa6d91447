import { z } from 'zod';
import { uuid } from '../domain/text';
import { billingFrequencies, subscriptionTerms } from '../domain/subscription-billing';
import { orderStatuses, type orderLines, type orders } from '../db/schema';
import { subscriptionSchema, subscriptionView, type SubscriptionRow } from './subscription';

const orderItemSchema = z.object({
  offerId: z.string(),
  quantity: z.number().int(),
  partnerIdOnRecord: z.string().optional(),
  term: z.enum(subscriptionTerms).optional(),
  billingFrequency: z.enum(billingFrequencies).optional(),
});

const orderLineSchema = z.object({
  lineNumber: z.number().int(),
  offerId: z.string(),
  quantity: z.number().int(),
  unitPrice: z.number().int().describe('cents'),
  currency: z.string(),
  partnerIdOnRecord: z.string().nullable(),
  term: z.enum(subscriptionTerms),
  billingFrequency: z.enum(billingFrequencies),
});

/**
 * An order of an existing customer: what was asked (`items`, `supportContactResellerId`, as in the
 * request), the priced lines, and the subscriptions it provisioned in their one shape.
 */
export const orderSchema = z.object({
  id: uuid,
  customerId: uuid,
  providerId: uuid,
  status: z.enum(orderStatuses),
  workflowId: z.string(),
  failureReason: z.string().nullable(),
  items: z.array(orderItemSchema),
  supportContactResellerId: z
    .string()
    .nullable()
    .describe('as the request named it; the subscriptions show `supportContact`'),
  lines: z.array(orderLineSchema),
  subscriptions: z.array(subscriptionSchema),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type OrderView = z.infer<typeof orderSchema>;

/** What `POST /v1/customers/:id/orders` answers at once: the order to follow. */
export const orderAcceptedSchema = orderSchema.pick({ id: true, status: true, workflowId: true });

type OrderRow = Pick<
  typeof orders.$inferSelect,
  'id' | 'customerId' | 'providerId' | 'status' | 'workflowId' | 'failureReason' | 'request' | 'createdAt' | 'updatedAt'
>;
type OrderLineRow = Pick<
  typeof orderLines.$inferSelect,
  'lineNumber' | 'offerId' | 'quantity' | 'unitPrice' | 'currency' | 'partnerIdOnRecord' | 'term' | 'billingFrequency'
>;
/** The request as the order keeps it (db/queries/customer-orders' OrderRequest). */
type OrderRequest = { items?: z.infer<typeof orderItemSchema>[]; supportContactResellerId?: string };

export function orderView(order: OrderRow, lines: OrderLineRow[], subscriptions: SubscriptionRow[]): OrderView {
  const request = (order.request ?? {}) as OrderRequest;
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
    subscriptions: subscriptions.map((row) => subscriptionView(row)),
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}
