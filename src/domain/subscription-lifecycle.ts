import type { BillingFrequency, LicenseBatch, SubscriptionTerm } from './subscription-billing';

/**
 * A subscription's statuses (PRODUCT.md §6): `active` ⇄ `suspended`; `cancelled` inside a
 * cancellation window; at the end of a term without renewal `expired`, then `disabled`, then
 * `deleted`. Only the subscription's workflow moves it between them.
 */
export const subscriptionStatuses = ['active', 'suspended', 'cancelled', 'expired', 'disabled', 'deleted'] as const;
export type SubscriptionStatus = (typeof subscriptionStatuses)[number];

/** Statuses the workflow still charges and still takes changes in. */
export const isLive = (status: SubscriptionStatus): boolean => status === 'active' || status === 'suspended';

/** Changes that apply only at the next renewal; an upgrade names another offer. */
export type ScheduledChanges = {
  quantity?: number;
  term?: SubscriptionTerm;
  billingFrequency?: BillingFrequency;
  offerId?: string;
};

/** The subscription changes a caller can ask for, each checked against the status it needs. */
export type SubscriptionChangeKind =
  | 'quantity'
  | 'offer'
  | 'autoRenew'
  | 'scheduledChanges'
  | 'cancel'
  | 'suspend'
  | 'reactivate';

/** Which statuses allow which change; anything else is a 409. */
export const allowedStatuses: Record<SubscriptionChangeKind, readonly SubscriptionStatus[]> = {
  quantity: ['active'],
  offer: ['active'],
  autoRenew: ['active', 'suspended'],
  scheduledChanges: ['active'],
  cancel: ['active', 'suspended'],
  suspend: ['active'],
  reactivate: ['suspended'],
};

/** The offer a term is priced at: the catalog's price when the term began. */
export type TermOffer = {
  id: string;
  name: string;
  unitPrice: number;
  currency: string;
  minQuantity: number;
  maxQuantity: number;
};

/** What the `subscriptions` row mirrors of the workflow's state, for the API to read. */
export type MirroredSubscriptionState = {
  subscriptionId: string;
  offer: Pick<TermOffer, 'id'>;
  status: SubscriptionStatus;
  quantity: number;
  term: SubscriptionTerm;
  billingFrequency: BillingFrequency;
  termStartedAt: string;
  termEndsAt: string;
  autoRenew: boolean;
  renewalCount: number;
  scheduledChanges: ScheduledChanges | null;
  cancellationAllowedUntil: string;
  batches: LicenseBatch[];
  suspensionReason: string | null;
};
