import {
  isTermChoiceRefusal,
  resolveTermChoice,
  termChoiceFieldError,
  type BillingFrequency,
  type OfferTerm,
  type SubscriptionTerm,
  type TermChoiceRefusal,
} from './subscription-billing';

/**
 * The rules an order line is held to, whether it comes from an order for an existing customer or
 * from a new customer's onboarding: the offer is in the catalog, its quantity within the offer's
 * bounds, its term and billing frequency sold. Pure functions over a catalog the caller has read.
 */

/** What the rules need of a catalog offer (a row of `offers`). Prices are integer cents. */
export type CatalogOffer = {
  id: string;
  name: string;
  minQuantity: number;
  maxQuantity: number;
  unitPrice: number;
  currency: string;
  billingCycle: string;
  terms: OfferTerm[];
};

export type OfferItem = {
  offerId: string;
  quantity: number;
  term?: SubscriptionTerm;
  billingFrequency?: BillingFrequency;
};

export type LineProblem = {
  field: string;
  code: 'OFFER_NOT_FOUND' | 'QUANTITY_OUT_OF_BOUNDS' | TermChoiceRefusal['code'];
  message: string;
};

/** Between the offer's minimum and maximum, both included. */
export const quantityWithinBounds = (
  offer: Pick<CatalogOffer, 'minQuantity' | 'maxQuantity'>,
  quantity: number,
): boolean => quantity >= offer.minQuantity && quantity <= offer.maxQuantity;

/**
 * The offer of line `index` is unknown, or its quantity out of bounds (`nameQuantity` adds the
 * quantity asked for to the message, as the orders route has always answered).
 */
export function offerProblem(
  offer: CatalogOffer | undefined,
  item: OfferItem,
  index: number,
  nameQuantity = false,
): LineProblem | undefined {
  if (!offer)
    return {
      field: `items.${index}.offerId`,
      code: 'OFFER_NOT_FOUND',
      message: `No offer ${item.offerId} in the catalog`,
    };
  if (quantityWithinBounds(offer, item.quantity)) return undefined;
  const bounds = `${offer.name} takes ${offer.minQuantity} to ${offer.maxQuantity} licenses`;
  return {
    field: `items.${index}.quantity`,
    code: 'QUANTITY_OUT_OF_BOUNDS',
    message: nameQuantity ? `${bounds}, not ${item.quantity}` : bounds,
  };
}

/** The term or billing frequency of line `index` is not sold by its (known) offer. */
export function termProblem(offer: CatalogOffer | undefined, item: OfferItem, index: number): LineProblem | undefined {
  const choice = offer && resolveTermChoice(offer, item);
  return choice && isTermChoiceRefusal(choice) ? termChoiceFieldError(choice, index) : undefined;
}

/** The offers of one order are all priced in one currency. */
export const singleCurrency = (offers: Iterable<Pick<CatalogOffer, 'currency'>>): boolean =>
  new Set([...offers].map((offer) => offer.currency)).size <= 1;

export type OrderItem = OfferItem & { partnerIdOnRecord?: string };
/** An order for an existing customer, as the API validated it. */
export type OrderRequest = { items: OrderItem[]; supportContactResellerId?: string };

export type OrderProblem = { field: string; code: LineProblem['code'] | 'PARTNERSHIP_NOT_ACTIVE'; message: string };

/** What the database knows that an order is checked against. */
export type OrderFacts = {
  /** The catalog offers the order names, by id. */
  offers: ReadonlyMap<string, CatalogOffer>;
  /** Of the public partner ids credited on its lines, those of resellers in an active partnership with the provider. */
  partneredPartnerIds: ReadonlySet<string>;
  /** Whether its support contact reseller is in an active partnership with the provider. */
  partneredSupportContact: boolean;
};

/**
 * The business rules an order must pass: each line's offer, quantity and term (see above), the
 * partner credited on a line and the support contact both resellers in an active partnership.
 * The API checks them to answer 422 at once; the workflow checks them again because a partnership
 * can be removed between the request and the run.
 */
export function orderProblems(request: OrderRequest, facts: OrderFacts): OrderProblem[] {
  const problems: OrderProblem[] = [];
  for (const [index, item] of request.items.entries()) {
    const offer = facts.offers.get(item.offerId);
    for (const problem of [offerProblem(offer, item, index, true), termProblem(offer, item, index)])
      if (problem) problems.push(problem);
    if (item.partnerIdOnRecord && !facts.partneredPartnerIds.has(item.partnerIdOnRecord)) {
      problems.push({
        field: `items.${index}.partnerIdOnRecord`,
        code: 'PARTNERSHIP_NOT_ACTIVE',
        message: `Partner ${item.partnerIdOnRecord} is not a reseller in an active partnership with you`,
      });
    }
  }
  if (request.supportContactResellerId && !facts.partneredSupportContact) {
    problems.push({
      field: 'supportContactResellerId',
      code: 'PARTNERSHIP_NOT_ACTIVE',
      message: 'The support contact must be a reseller in an active partnership with you',
    });
  }
  return problems;
}
