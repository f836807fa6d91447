import { addMonths, daysUsed, type SubscriptionMonth } from './subscription-time';

/**
 * Terms, billing periods, charges and refunds under the new-commerce rules (PRODUCT.md §6).
 *
 * Money is integer cents. `unitPrice` is per license per month, so a full billing period costs
 * exactly `unitPrice × months × quantity` and a term's charges add up to `unitPrice × termMonths ×
 * quantity` with no rounding at all. Rounding happens only in prorations, once, half up to the cent:
 * - licenses added mid-period pay `unitPrice × periodMonths × remaining / periodLength` per license,
 *   rounded, then multiplied by the number of licenses added;
 * - a refund is what the licenses were charged minus the days used at `unitPrice × 12 / 365` per
 *   license per day (the used amount rounded once for the whole line), never below zero.
 */

export const subscriptionTerms = ['P1M', 'P1Y', 'P3Y'] as const;
export type SubscriptionTerm = (typeof subscriptionTerms)[number];

export const billingFrequencies = ['monthly', 'annual', 'triennial'] as const;
export type BillingFrequency = (typeof billingFrequencies)[number];

export const termMonths: Record<SubscriptionTerm, number> = { P1M: 1, P1Y: 12, P3Y: 36 };
export const frequencyMonths: Record<BillingFrequency, number> = { monthly: 1, annual: 12, triennial: 36 };

/** The billing frequencies a term can be paid with at most: a period never outlasts its term. */
export const frequenciesForTerm = (term: SubscriptionTerm): BillingFrequency[] =>
  billingFrequencies.filter((frequency) => frequencyMonths[frequency] <= termMonths[term]);

/** What an offer sells: `[{term, billingFrequencies}]`, as in catalog/offers.json. */
export type OfferTerm = { term: SubscriptionTerm; billingFrequencies: BillingFrequency[] };
export type TermChoice = { term: SubscriptionTerm; billingFrequency: BillingFrequency };

export type TermChoiceRefusal = { code: 'TERM_NOT_OFFERED' | 'BILLING_FREQUENCY_NOT_OFFERED'; message: string };

/**
 * The term and billing frequency of an order line or a scheduled change. Defaults: the first of the
 * offer's terms that sells the requested frequency (the first term when none is requested), billed
 * at the offer's `billingCycle` when that term allows it, else monthly.
 */
export function resolveTermChoice(
  offer: { id: string; terms: OfferTerm[]; billingCycle: string },
  wanted: { term?: SubscriptionTerm | null; billingFrequency?: BillingFrequency | null },
): TermChoice | TermChoiceRefusal {
  const offerTerm = wanted.term
    ? offer.terms.find((candidate) => candidate.term === wanted.term)
    : wanted.billingFrequency
      ? (offer.terms.find((candidate) => candidate.billingFrequencies.includes(wanted.billingFrequency!)) ??
        offer.terms[0])
      : offer.terms[0];
  if (!offerTerm) {
    const sold = offer.terms.map((candidate) => candidate.term).join(', ');
    return { code: 'TERM_NOT_OFFERED', message: `${offer.id} is sold for ${sold}, not ${wanted.term}` };
  }
  const fallback = offerTerm.billingFrequencies.includes(offer.billingCycle as BillingFrequency)
    ? (offer.billingCycle as BillingFrequency)
    : 'monthly';
  const billingFrequency = wanted.billingFrequency ?? fallback;
  if (!offerTerm.billingFrequencies.includes(billingFrequency)) {
    return {
      code: 'BILLING_FREQUENCY_NOT_OFFERED',
      message: `${offer.id} on ${offerTerm.term} is billed ${offerTerm.billingFrequencies.join(' or ')}, not ${billingFrequency}`,
    };
  }
  return { term: offerTerm.term, billingFrequency };
}

export const isTermChoiceRefusal = (choice: TermChoice | TermChoiceRefusal): choice is TermChoiceRefusal =>
  'code' in choice;

/** A refused line as a field error of item `index`, for the 400 the API answers. */
export const termChoiceFieldError = (refusal: TermChoiceRefusal, index: number) => ({
  field: `items.${index}.${refusal.code === 'TERM_NOT_OFFERED' ? 'term' : 'billingFrequency'}`,
  code: refusal.code,
  message: refusal.message,
});

export type BillingPeriod = { index: number; start: Date; end: Date; months: number };

/** The billing periods of a term started at `termStart`: contiguous, the first at the start, the last ending with the term. */
export function billingPeriods(termStart: Date, choice: TermChoice, month: SubscriptionMonth): BillingPeriod[] {
  const step = frequencyMonths[choice.billingFrequency];
  const count = termMonths[choice.term] / step;
  return Array.from({ length: count }, (_, index) => ({
    index,
    start: addMonths(termStart, index * step, month),
    end: addMonths(termStart, (index + 1) * step, month),
    months: step,
  }));
}

export const termEnd = (termStart: Date, term: SubscriptionTerm, month: SubscriptionMonth): Date =>
  addMonths(termStart, termMonths[term], month);

/** What one full billing period costs: exact, no rounding. */
export const periodCharge = (unitPrice: number, months: number, quantity: number): number =>
  unitPrice * months * quantity;

/** `numerator / denominator` rounded half up, exactly (BigInt: three years in milliseconds times a price overflows doubles). */
export function roundHalfUp(numerator: bigint, denominator: bigint): number {
  return Number((2n * numerator + denominator) / (2n * denominator));
}

/** What one license added at `at` pays for the rest of `period`. */
export function proratedChargePerLicense(unitPrice: number, period: BillingPeriod, at: Date): number {
  const length = BigInt(period.end.getTime() - period.start.getTime());
  const remaining = BigInt(
    Math.min(Math.max(period.end.getTime() - at.getTime(), 0), period.end.getTime() - period.start.getTime()),
  );
  return roundHalfUp(BigInt(periodCharge(unitPrice, period.months, 1)) * remaining, length);
}

/** The value of `days` days of `quantity` licenses at `unitPrice × 12 / 365` per license per day, rounded once. */
export const usedAmount = (unitPrice: number, quantity: number, days: number): number =>
  roundHalfUp(BigInt(unitPrice) * 12n * BigInt(quantity) * BigInt(days), 365n);

/**
 * Licenses bought together: the term's first licenses, or licenses added later. Each batch has its
 * own cancellation window (`allowedUntil`) and knows what each of its licenses was charged so far
 * in the term, which is what a refund returns (minus the days used).
 */
export type LicenseBatch = {
  id: string;
  quantity: number;
  purchasedAt: string;
  allowedUntil: string;
  chargedPerLicense: number;
};

/** The refund for `quantity` licenses of `batch` removed at `at`: charged minus used, never negative. */
export function batchRefund(
  batch: LicenseBatch,
  quantity: number,
  unitPrice: number,
  at: Date,
  month: SubscriptionMonth,
): number {
  const charged = batch.chargedPerLicense * quantity;
  return Math.max(0, charged - usedAmount(unitPrice, quantity, daysUsed(new Date(batch.purchasedAt), at, month)));
}

export type RefundableQuantity = { quantity: number; allowedUntil: string };

/** The licenses that can still be removed with a refund, grouped by the end of their window, soonest first. */
export function refundableQuantities(batches: LicenseBatch[], at: Date): RefundableQuantity[] {
  return batches
    .filter((batch) => batch.quantity > 0 && Date.parse(batch.allowedUntil) > at.getTime())
    .map((batch) => ({ quantity: batch.quantity, allowedUntil: batch.allowedUntil }))
    .sort((a, b) => Date.parse(a.allowedUntil) - Date.parse(b.allowedUntil));
}

export type RemovalPlan =
  | {
      ok: true;
      takes: Array<{ batchId: string; quantity: number; refund: number }>;
      refund: number;
      batches: LicenseBatch[];
    }
  | { ok: false; refundable: RefundableQuantity[]; removableQuantity: number };

/**
 * Removes `quantity` licenses, newest batch first (the licenses with the most left to refund),
 * only from batches still inside their window. Refused as a whole when too few are removable.
 */
export function planLicenseRemoval(
  batches: LicenseBatch[],
  quantity: number,
  context: { unitPrice: number; at: Date; month: SubscriptionMonth },
): RemovalPlan {
  const refundable = refundableQuantities(batches, context.at);
  const removableQuantity = refundable.reduce((sum, entry) => sum + entry.quantity, 0);
  if (removableQuantity < quantity) return { ok: false, refundable, removableQuantity };
  let left = quantity;
  const takes: Array<{ batchId: string; quantity: number; refund: number }> = [];
  const remaining = [...batches]
    .reverse()
    .map((batch) => {
      if (left === 0 || batch.quantity === 0 || Date.parse(batch.allowedUntil) <= context.at.getTime()) return batch;
      const taken = Math.min(left, batch.quantity);
      left -= taken;
      takes.push({
        batchId: batch.id,
        quantity: taken,
        refund: batchRefund(batch, taken, context.unitPrice, context.at, context.month),
      });
      return { ...batch, quantity: batch.quantity - taken };
    })
    .reverse()
    .filter((batch) => batch.quantity > 0);
  return { ok: true, takes, refund: takes.reduce((sum, take) => sum + take.refund, 0), batches: remaining };
}

/** The refund for cancelling every license of the subscription at `at`. */
export function cancellationRefund(
  batches: LicenseBatch[],
  context: { unitPrice: number; at: Date; month: SubscriptionMonth },
): number {
  return batches.reduce(
    (sum, batch) => sum + batchRefund(batch, batch.quantity, context.unitPrice, context.at, context.month),
    0,
  );
}

/** After a billing period's charge, every license has paid for that period too. */
export const chargeBatchesForPeriod = (batches: LicenseBatch[], unitPrice: number, months: number): LicenseBatch[] =>
  batches.map((batch) => ({
    ...batch,
    chargedPerLicense: batch.chargedPerLicense + periodCharge(unitPrice, months, 1),
  }));

/** Batches whose window has closed can no longer be refunded: they merge into one, keeping the list short. */
export function mergeClosedBatches(batches: LicenseBatch[], at: Date): LicenseBatch[] {
  const closed = batches.filter((batch) => Date.parse(batch.allowedUntil) <= at.getTime());
  if (closed.length <= 1) return batches;
  const open = batches.filter((batch) => Date.parse(batch.allowedUntil) > at.getTime());
  const merged: LicenseBatch = {
    id: closed[0]!.id,
    quantity: closed.reduce((sum, batch) => sum + batch.quantity, 0),
    purchasedAt: closed[0]!.purchasedAt,
    allowedUntil: closed[closed.length - 1]!.allowedUntil,
    chargedPerLicense: 0,
  };
  return [merged, ...open];
}
