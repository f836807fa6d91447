import {
  proratedChargePerLicense,
  usedAmount,
  type BillingPeriod,
  type LicenseBatch,
  type OfferTerm,
  type TermChoice,
} from './subscription-billing';
import { daysUsed, type SubscriptionMonth } from './subscription-time';

/**
 * An immediate change of offer (an upgrade outside the renewal, PRODUCT.md §6): what may be changed
 * to, and what it costs.
 *
 * Proration follows the rule of licenses added mid-period: the share of the current billing period
 * still to run is `periodMonths × remaining / periodLength`, priced per license and rounded half up
 * to the cent once per license, then multiplied by the quantity. The change records two lines:
 * - a **refund** of that remainder at the old price (`-round(old × months × remaining / length) × quantity`),
 * - a **charge** of the same remainder at the new price (`round(new × months × remaining / length) × quantity`).
 * So the period costs the old price up to the change and the new one after it, off by at most one
 * cent per license from the exact split; periods after the change are charged whole at the new price.
 * Changing to a cheaper offer nets a credit by the same rule.
 */

/** The offer a subscription changes to, as the catalog sells it. */
export type OfferForChange = {
  id: string;
  name: string;
  unitPrice: number;
  currency: string;
  minQuantity: number;
  maxQuantity: number;
  terms: OfferTerm[];
};

/** What the subscription has now: the offer it is priced at, its quantity, term and billing frequency. */
export type CurrentSubscriptionOffer = TermChoice & { offer: { id: string; currency: string }; quantity: number };

export type OfferChangeRefusal = {
  code: 'OFFER_CURRENCY_MISMATCH' | 'QUANTITY_OUT_OF_BOUNDS' | 'TERM_NOT_OFFERED' | 'BILLING_FREQUENCY_NOT_OFFERED';
  message: string;
  details: Record<string, unknown>;
};

/**
 * Why `next` cannot replace the subscription's offer now, or null when it can. The new offer must be
 * in the same currency (charges of one subscription add up in one currency), take the current
 * quantity, and sell the current term at the current billing frequency (a term and its billing
 * periods change only at renewal). Changing to the same offer is not refused: it changes nothing.
 */
export function offerChangeRefusal(current: CurrentSubscriptionOffer, next: OfferForChange): OfferChangeRefusal | null {
  const path = 'body.offerId';
  if (next.currency !== current.offer.currency) {
    return {
      code: 'OFFER_CURRENCY_MISMATCH',
      message: `${next.id} is priced in ${next.currency}; the subscription is billed in ${current.offer.currency}`,
      details: { path, currency: next.currency, subscriptionCurrency: current.offer.currency },
    };
  }
  if (current.quantity < next.minQuantity || current.quantity > next.maxQuantity) {
    return {
      code: 'QUANTITY_OUT_OF_BOUNDS',
      message: `${next.name} takes ${next.minQuantity} to ${next.maxQuantity} licenses; the subscription has ${current.quantity}`,
      details: { path, min: next.minQuantity, max: next.maxQuantity, quantity: current.quantity },
    };
  }
  const offerTerm = next.terms.find((candidate) => candidate.term === current.term);
  if (!offerTerm) {
    return {
      code: 'TERM_NOT_OFFERED',
      message: `${next.id} is sold for ${next.terms.map((candidate) => candidate.term).join(', ')}, not the subscription's ${current.term}`,
      details: { path, term: current.term },
    };
  }
  if (!offerTerm.billingFrequencies.includes(current.billingFrequency)) {
    return {
      code: 'BILLING_FREQUENCY_NOT_OFFERED',
      message: `${next.id} on ${current.term} is billed ${offerTerm.billingFrequencies.join(' or ')}, not ${current.billingFrequency}`,
      details: { path, billingFrequency: current.billingFrequency },
    };
  }
  return null;
}

export type OfferChangeProration = {
  /** The old price's remainder of the period, per license (positive; refunded). */
  creditPerLicense: number;
  /** The new price's remainder of the period, per license (charged). */
  chargePerLicense: number;
  /** Refunded for all licenses: `creditPerLicense × quantity`. */
  credit: number;
  /** Charged for all licenses: `chargePerLicense × quantity`. */
  charge: number;
};

/** The two lines of an offer change at `at` inside `period` (see the module comment for the rule). */
export function offerChangeProration(input: {
  fromUnitPrice: number;
  toUnitPrice: number;
  period: BillingPeriod;
  at: Date;
  quantity: number;
}): OfferChangeProration {
  const creditPerLicense = proratedChargePerLicense(input.fromUnitPrice, input.period, input.at);
  const chargePerLicense = proratedChargePerLicense(input.toUnitPrice, input.period, input.at);
  return {
    creditPerLicense,
    chargePerLicense,
    credit: creditPerLicense * input.quantity,
    charge: chargePerLicense * input.quantity,
  };
}

/**
 * Batches still inside their window after an offer change: each license has paid the difference of
 * the period's remainder, and the days it already used are revalued at the new daily rate. A later
 * refund (what was charged minus the days used at the current price) then counts the days before the
 * change at the old price and the days after it at the new one. Closed batches are never refunded
 * and stay as they are.
 */
export function repriceOpenBatches(
  batches: LicenseBatch[],
  change: {
    fromUnitPrice: number;
    toUnitPrice: number;
    proration: OfferChangeProration;
    at: Date;
    month: SubscriptionMonth;
  },
): LicenseBatch[] {
  const delta = change.proration.chargePerLicense - change.proration.creditPerLicense;
  return batches.map((batch) => {
    if (Date.parse(batch.allowedUntil) <= change.at.getTime()) return batch;
    const days = daysUsed(new Date(batch.purchasedAt), change.at, change.month);
    const revalued = usedAmount(change.toUnitPrice, 1, days) - usedAmount(change.fromUnitPrice, 1, days);
    return { ...batch, chargedPerLicense: batch.chargedPerLicense + delta + revalued };
  });
}
