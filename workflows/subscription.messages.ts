import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { BillingFrequency, LicenseBatch, SubscriptionTerm } from '../src/domain/subscription-billing';
import type { ScheduledChanges, SubscriptionStatus, TermOffer } from '../src/domain/subscription-lifecycle';
import type { OfferForChange } from '../src/domain/subscription-offer-change';
import type { SubscriptionTiming } from '../src/domain/subscription-time';

/** Messages of the subscription workflow, shared by the workflow, the API and the tests. */

export type { TermOffer };

/** Everything the workflow knows; carried whole into the next run at each renewal. */
export type SubscriptionState = {
  subscriptionId: string;
  customerId: string;
  providerId: string;
  offer: TermOffer;
  status: SubscriptionStatus;
  quantity: number;
  term: SubscriptionTerm;
  billingFrequency: BillingFrequency;
  startedAt: string;
  termStartedAt: string;
  termEndsAt: string;
  autoRenew: boolean;
  renewalCount: number;
  scheduledChanges: ScheduledChanges | null;
  batches: LicenseBatch[];
  cancellationAllowedUntil: string;
  suspensionReason: string | null;
  /** When the current status began (expired and disabled count their grace from it). */
  statusSince: string;
  /** Billing periods of the current term already charged. */
  chargedPeriods: number;
  renewalNoticeSent: boolean;
  /** License windows that ended before this instant have been closed. */
  windowsClosedUntil: string;
  /** Numbers every change, for its charge's and audit row's idempotency keys. */
  changeSequence: number;
  timing: SubscriptionTiming;
};

export type SubscriptionWorkflowInput = {
  subscriptionId: string;
  customerId: string;
  providerId: string;
  customerDomain: string;
  resellerId: string | null;
  /** The state at the end of the previous term, when a renewal continued as new. */
  carried?: SubscriptionState;
};

/** Who asks: `partner:<id>` or `operator`. */
type Actor = { actor: string };

export type ChangeResult = { status: SubscriptionStatus; scheduledChangesRemoved: boolean; amount: number };

export const statusQuery = defineQuery<SubscriptionState | null>('status');
export const changeQuantityUpdate = defineUpdate<ChangeResult, [Actor & { quantity: number }]>('changeQuantity');
/** An immediate change of offer; the offer as the catalog sells it now, found by the API (unknown offers never reach the workflow). */
export const changeOfferUpdate = defineUpdate<ChangeResult, [Actor & { offer: OfferForChange }]>('changeOffer');
export const setAutoRenewUpdate = defineUpdate<ChangeResult, [Actor & { autoRenew: boolean }]>('setAutoRenew');
/** The scheduled changes, already checked against the catalog by the API; null clears them. */
export const scheduleChangesUpdate = defineUpdate<ChangeResult, [Actor & { changes: ScheduledChanges | null }]>(
  'scheduleChanges',
);
export const cancelUpdate = defineUpdate<ChangeResult, [Actor]>('cancel');
export const suspendUpdate = defineUpdate<ChangeResult, [Actor & { reason: string }]>('suspend');
export const reactivateUpdate = defineUpdate<ChangeResult, [Actor]>('reactivate');
