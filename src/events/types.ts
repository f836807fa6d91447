/**
 * The closed list of event types (PRODUCT.md §7). An event is written in the transaction of the
 * state change it reports, so its type names the state reached.
 *
 * The subscription lifecycle's `subscription.*` and `charge.created` are written by the subscription
 * workflow's `saveSubscription` activity (`recordSubscriptionEvent`, src/events/record.ts) in the
 * transaction of each change, for the provider, the reseller managing the customer and the reseller on record.
 */
export const eventTypes = [
  'invitation.accepted',
  'invitation.declined',
  'invitation.expired',
  'invitation.revoked',
  'partnership.removed',
  'customer_onboarding.awaiting_review',
  'customer_onboarding.completed',
  'customer_onboarding.failed',
  'customer_onboarding.cancelled',
  'customer_onboarding.expired',
  'customer_onboarding.rejected',
  'order.completed',
  'order.failed',
  'subscription.created',
  'subscription.updated',
  'subscription.renewed',
  'subscription.cancelled',
  'subscription.suspended',
  'subscription.reactivated',
  'subscription.expired',
  'subscription.disabled',
  'subscription.deleted',
  'charge.created',
  'reseller_relationship.accepted',
  'reseller_relationship.declined',
  'reseller_relationship.expired',
  'reseller_relationship.revoked',
  'webhook.test',
] as const;
export type EventType = (typeof eventTypes)[number];

/** What the subscription lifecycle records (see recordSubscriptionEvent); `charge.created` carries the charge as data. */
export type SubscriptionEventType = Extract<EventType, `subscription.${string}` | 'charge.created'>;

export const deliveryStatuses = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];
