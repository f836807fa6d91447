import { z } from 'zod';
import { uuid } from '../domain/text';
import type { offers, subscriptions } from '../db/schema';
import { billingFrequencies, refundableQuantities, subscriptionTerms } from '../domain/subscription-billing';
import { subscriptionStatuses } from '../domain/subscription-lifecycle';
import { partnerRefSchema } from './partner-ref';

/**
 * The one shape of a subscription in every reply and event (lists, orders, onboardings, changes,
 * `subscription.*` events), with the function that builds it side by side. The support contact is
 * shown as `supportContact: {id, name, partnerId}`; the bare `supportContactResellerId` of earlier
 * replies is gone.
 */
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
  supportContact: partnerRefSchema.nullable(),
  term: z.enum(subscriptionTerms),
  billingFrequency: z.enum(billingFrequencies),
  startedAt: z.string(),
  termEndsAt: z.string().nullable().describe('null until the subscription workflow has started'),
  autoRenew: z.boolean(),
  renewalCount: z.number().int(),
  cancellationAllowedUntil: z.string().nullable(),
  refundableQuantities: z
    .array(z.object({ quantity: z.number().int(), allowedUntil: z.string() }))
    .describe('licenses that can still be removed with a refund'),
  scheduledChanges: scheduledChangesSchema.nullable().describe('applied at the next renewal'),
  suspensionReason: z.string().nullable(),
  workflowId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SubscriptionView = z.infer<typeof subscriptionSchema>;

/** Extension for the changes that may drop what was scheduled for the renewal (PATCH, suspend). */
export const subscriptionWithRemovalSchema = subscriptionSchema.extend({
  scheduledChangesRemoved: z.boolean().describe('an immediate change removed the changes scheduled for the renewal'),
});

/** Extension for a cancellation: the subscription with the refund it gave. */
export const cancelledSubscriptionSchema = subscriptionSchema.extend({ refund: z.number().int().describe('cents') });

type SubscriptionColumns = typeof subscriptions.$inferSelect;

/** A subscription row with its offer's name and cycle and its support contact joined (db/queries/subscriptions). */
export type SubscriptionRow = Pick<
  SubscriptionColumns,
  | 'id'
  | 'customerId'
  | 'orderId'
  | 'offerId'
  | 'quantity'
  | 'status'
  | 'partnerIdOnRecord'
  | 'term'
  | 'billingFrequency'
  | 'startedAt'
  | 'termEndsAt'
  | 'autoRenew'
  | 'renewalCount'
  | 'scheduledChanges'
  | 'cancellationAllowedUntil'
  | 'licenseBatches'
  | 'suspensionReason'
  | 'workflowId'
  | 'supportContactResellerId'
  | 'createdAt'
  | 'updatedAt'
> & {
  offerName: string;
  billingCycle: (typeof offers.$inferSelect)['billingCycle'];
  supportContactName: string | null;
  supportContactPartnerId: string | null;
};

export function subscriptionView(row: SubscriptionRow, now = new Date()): SubscriptionView {
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
    refundableQuantities:
      row.status === 'active' || row.status === 'suspended' ? refundableQuantities(row.licenseBatches, now) : [],
    scheduledChanges: row.scheduledChanges ?? null,
    suspensionReason: row.suspensionReason,
    workflowId: row.workflowId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
