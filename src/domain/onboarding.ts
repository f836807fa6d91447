import { adminUsername, tenantDomain, type CustomerAddress, type CustomerContact } from './customer';
import { offerProblem, singleCurrency, termProblem, type CatalogOffer } from './ordering';
import {
  resolveTermChoice,
  type BillingFrequency,
  type SubscriptionTerm,
  type TermChoice,
} from './subscription-billing';

/**
 * The onboarding request and its review (PRODUCT.md §4): what a provider asks for, the problems that
 * refuse it, and — when there are none — the priced order and the partner credited, which the
 * provider confirms before submitting. Pure: the facts it needs are read from the database by the
 * caller (src/db/queries/onboardings.ts `onboardingFacts`).
 */

/** What the provider asks for, as the API validated it. */
export type OnboardingRequest = {
  resellerId?: string;
  company: { name: string; domainPrefix: string; country: string; address: CustomerAddress };
  contact: CustomerContact;
  items: Array<{ offerId: string; quantity: number; term?: SubscriptionTerm; billingFrequency?: BillingFrequency }>;
  creditResellerAsPartnerOfRecord?: boolean;
  supportContactResellerId?: string;
};

/** A per-field refusal, e.g. `{ field: 'items.0.quantity', code: 'QUANTITY_OUT_OF_BOUNDS', … }`. */
export type FieldError = { field: string; code: string; message: string };

export type PartnerRef = { id: string; name: string; partnerId: string };

export type ReviewLineItem = {
  lineNumber: number;
  offerId: string;
  offerName: string;
  quantity: number;
  /** Cents. */
  unitPrice: number;
  lineTotal: number;
  currency: string;
  billingCycle: string;
  term: SubscriptionTerm;
  billingFrequency: BillingFrequency;
};

/** What the provider confirms before submitting: the order, its price, and who is credited. */
export type OnboardingReview = {
  lineItems: ReviewLineItem[];
  total: number;
  currency: string;
  customer: {
    company: OnboardingRequest['company'] & { domain: string };
    contact: CustomerContact;
    adminUsername: string;
  };
  reseller: PartnerRef | null;
  partnerOfRecord: { credited: boolean; partnerId: string | null };
  supportContact: PartnerRef | null;
  expiresAt: string;
};

/** What the database knows that the request is checked against. */
export type OnboardingFacts = {
  /** A customer that is not deleted already has the requested domain. */
  domainTaken: boolean;
  /** The catalog offers the request names, by id (unknown ids are missing). */
  offers: ReadonlyMap<string, CatalogOffer>;
  /** The requested resellers (resellerId, supportContactResellerId) that are in an active partnership with the provider. */
  partneredResellers: ReadonlyMap<string, PartnerRef>;
};

/**
 * Checks a request — domain free, each offer known and ordered once, quantities within bounds, terms
 * sold, one currency, resellers in an active partnership, crediting only with a reseller — and builds
 * the review when nothing is wrong. Errors come in request order; the first one is the 422's code.
 * Crediting the reseller as partner of record is the default when one is given; `false` opts out.
 */
export function assessOnboardingRequest(
  request: OnboardingRequest,
  facts: OnboardingFacts,
  reviewExpiresAt: Date,
): { errors: FieldError[]; review: OnboardingReview | null } {
  const errors: FieldError[] = [];
  if (facts.domainTaken) {
    errors.push({
      field: 'company.domainPrefix',
      code: 'DOMAIN_TAKEN',
      message: `${tenantDomain(request.company.domainPrefix)} is already taken`,
    });
  }

  request.items.forEach((item, index) => {
    const offer = facts.offers.get(item.offerId);
    const orderedTwice = request.items.findIndex((other) => other.offerId === item.offerId) < index;
    const lineProblem: FieldError | undefined = orderedTwice
      ? {
          field: `items.${index}.offerId`,
          code: 'BUSINESS_RULE',
          message: `${item.offerId} is ordered twice; order each offer once with its total quantity`,
        }
      : offerProblem(offer, item, index);
    for (const problem of [lineProblem, termProblem(offer, item, index)]) if (problem) errors.push(problem);
  });
  if (!singleCurrency(facts.offers.values())) {
    errors.push({
      field: 'items',
      code: 'BUSINESS_RULE',
      message: 'All offers of one order must be priced in the same currency',
    });
  }

  if (request.creditResellerAsPartnerOfRecord === true && !request.resellerId) {
    errors.push({
      field: 'creditResellerAsPartnerOfRecord',
      code: 'BUSINESS_RULE',
      message: 'Crediting a reseller needs resellerId',
    });
  }
  const partnered = (field: string, id: string | undefined): PartnerRef | null => {
    if (!id) return null;
    const reseller = facts.partneredResellers.get(id);
    if (!reseller)
      errors.push({
        field,
        code: 'PARTNERSHIP_NOT_ACTIVE',
        message: 'This reseller is not in an active partnership with you',
      });
    return reseller ?? null;
  };
  const reseller = partnered('resellerId', request.resellerId);
  const supportContact = partnered('supportContactResellerId', request.supportContactResellerId);

  if (errors.length > 0) return { errors, review: null };

  const lineItems = request.items.map((item, index) => {
    const offer = facts.offers.get(item.offerId)!;
    return {
      ...(resolveTermChoice(offer, item) as TermChoice), // refusals were returned above
      lineNumber: index + 1,
      offerId: offer.id,
      offerName: offer.name,
      quantity: item.quantity,
      unitPrice: offer.unitPrice,
      lineTotal: offer.unitPrice * item.quantity,
      currency: offer.currency,
      billingCycle: offer.billingCycle,
    };
  });
  const credited = !!reseller && request.creditResellerAsPartnerOfRecord !== false;
  return {
    errors,
    review: {
      lineItems,
      total: lineItems.reduce((sum, line) => sum + line.lineTotal, 0),
      currency: lineItems[0]!.currency,
      customer: {
        company: { ...request.company, domain: tenantDomain(request.company.domainPrefix) },
        contact: request.contact,
        adminUsername: adminUsername(request.company.domainPrefix),
      },
      reseller,
      partnerOfRecord: { credited, partnerId: credited ? reseller!.partnerId : null },
      supportContact,
      expiresAt: reviewExpiresAt.toISOString(),
    },
  };
}
