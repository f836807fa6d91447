import type { BillingFrequency, SubscriptionTerm } from '../../domain/subscription-billing';

/** A line of an order to place: the catalog price is looked up when it is written; the term is already resolved. */
export type OrderLineInput = {
  lineNumber: number;
  offerId: string;
  quantity: number;
  partnerIdOnRecord: string | null;
  term: SubscriptionTerm;
  billingFrequency: BillingFrequency;
};
