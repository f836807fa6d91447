import type { SubscriptionEventType } from './types';

/**
 * The event a subscription workflow's step reports, by the audit action it records. Steps that change
 * nothing a caller sees as a state (a period charged, a window closing) publish no subscription event;
 * their charges are `charge.created` events of their own.
 */
const eventByAction: Record<string, SubscriptionEventType> = {
  'subscription.lifecycle_started': 'subscription.created',
  'subscription.quantity_changed': 'subscription.updated',
  'subscription.offer_changed': 'subscription.updated',
  'subscription.auto_renew_changed': 'subscription.updated',
  'subscription.changes_scheduled': 'subscription.updated',
  'subscription.scheduled_changes_cleared': 'subscription.updated',
  'subscription.renewed': 'subscription.renewed',
  'subscription.cancelled': 'subscription.cancelled',
  'subscription.suspended': 'subscription.suspended',
  'subscription.reactivated': 'subscription.reactivated',
  'subscription.expired': 'subscription.expired',
  'subscription.disabled': 'subscription.disabled',
  'subscription.deleted': 'subscription.deleted',
};

export function subscriptionEventFor(action: string): SubscriptionEventType | undefined {
  return eventByAction[action];
}
