import { z } from 'zod';
import { uuid } from '../../domain/text';
import type { Subscription } from '../../db/queries/subscriptions';
import { billingFrequencies, refundableQuantities, subscriptionTerms } from '../../domain/subscription-billing';
import { subscriptionStatuses } from '../../domain/subscription-lifecycle';

/**
 * The one shape of a subscription in every reply (lists, orders, onboardings, changes), with the
 * function that builds it side by side.
 */
const partnerRef = z.object({ id: uuid, name: z.string(), partnerId: z.string() });

export const scheduledChangesSchema = z.object({
  quantity: z.number().int().optional(),
  term: z.enum(subscriptionTerms).optional(),
  billingFrequency: z.enum(billingFrequencies).optional(),
  offerId: z.string().optional(),
});

export const subscriptionSchema = z.object({
  id: uuid,
  customerId: uuid,
  orderId: uuid,
  offerId: z.string(),
  offerName: z.string(),
  billingCycle: z.string(),
  quantity: z.number().int(),
  status: z.enum(subscriptionStatuses),
  partnerIdOnRecord: z.string().nullable(),
  supportContact: partnerRef.nullable(),
  term: z.enum(subscriptionTerms),
  billingFrequency: z.enum(billingFrequencies),
  startedAt: z.string(),
  termEndsAt: z.string().nullable().describe('null until the subscription workflow has started'),
  autoRenew: z.boolean(),
  renewalCount: z.number().int(),
  cancellationAllowedUntil: z.string().nullable(),
  refundableQuantities: z.array(z.object({ quantity: z.number().int(), allowedUntil: z.string() })).describe('licenses that can still be removed with a refund'),
  scheduledChanges: scheduledChangesSchema.nullable().describe('applied at the next renewal'),
  suspensionReason: z.string().nullable(),
  workflowId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SubscriptionView = z.infer<typeof subscriptionSchema>;

export function subscriptionView(row: Subscription, now = new Date()): SubscriptionView {
  return {
    id: row.id,
    customerId: row.customerId,
    orderId: row.orderId,
    offerId: row.offerId,
    offerName: row.offerName,
    billingCycle: row.billingCycle,
    quantity: row.quantity,
    status: row.status,
    partnerIdOnRecord: row.partnerIdOnRecord,
    supportContact: row.supportContactResellerId
      ? { id: row.supportContactResellerId, name: row.supportContactName!, partnerId: row.supportContactPartnerId! }
      : null,
    term: row.term,
    billingFrequency: row.billingFrequency,
    startedAt: row.startedAt.toISOString(),
    termEndsAt: row.termEndsAt?.toISOString() ?? null,
    autoRenew: row.autoRenew,
    renewalCount: row.renewalCount,
    cancellationAllowedUntil: row.cancellationAllowedUntil?.toISOString() ?? null,
    refundableQuantities: row.status === 'active' || row.status === 'suspended' ? refundableQuantities(row.licenseBatches, now) : [],
    scheduledChanges: row.scheduledChanges ?? null,
    suspensionReason: row.suspensionReason,
    workflowId: row.workflowId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
