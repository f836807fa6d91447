import { and, eq, inArray, ne } from 'drizzle-orm';
import { isTermChoiceRefusal, resolveTermChoice, termChoiceFieldError, type TermChoice } from '../../domain/subscription-billing';
import type { DbOrTx } from '../client';
import { credentialEscrow, credentialReveals, customers, onboardings, partners, type OnboardingStatus } from '../schema';
import {
  adminUsername,
  tenantDomain,
  type FieldError,
  type OnboardingRequest,
  type OnboardingReview,
  type PartnerRef,
} from '../../../workflows/onboarding.messages';
import { getOffersByIds } from './offers';
import { findActivePartnership } from './partnerships';

/** What a provider sees of an onboarding. */
export const onboardingColumns = {
  id: onboardings.id,
  providerId: onboardings.providerId,
  resellerId: onboardings.resellerId,
  domainPrefix: onboardings.domainPrefix,
  status: onboardings.status,
  request: onboardings.request,
  review: onboardings.review,
  errors: onboardings.errors,
  customerId: onboardings.customerId,
  failureReason: onboardings.failureReason,
  workflowId: onboardings.workflowId,
  createdAt: onboardings.createdAt,
  updatedAt: onboardings.updatedAt,
};
export type Onboarding = { [K in keyof typeof onboardingColumns]: (typeof onboardings.$inferSelect)[K] };

export type ReserveOnboardingParams = {
  id: string;
  providerId: string;
  resellerId?: string;
  domainPrefix: string;
  request: OnboardingRequest;
  workflowId: string;
};

/** Inserts the draft in `validating`; onboardings_domain_hold_idx refuses a domain another draft holds. */
export async function reserveOnboarding(db: DbOrTx, params: ReserveOnboardingParams): Promise<Onboarding> {
  const [row] = await db
    .insert(onboardings)
    .values({ ...params, request: params.request as unknown as Record<string, unknown> })
    .returning(onboardingColumns);
  return row!;
}

export async function deleteOnboarding(db: DbOrTx, id: string): Promise<void> {
  await db.delete(onboardings).where(eq(onboardings.id, id));
}

export async function getOnboardingForProvider(db: DbOrTx, params: { id: string; providerId: string }) {
  const [row] = await db
    .select(onboardingColumns)
    .from(onboardings)
    .where(and(eq(onboardings.id, params.id), eq(onboardings.providerId, params.providerId)));
  return row;
}

export async function getOnboarding(db: DbOrTx, id: string) {
  const [row] = await db.select(onboardingColumns).from(onboardings).where(eq(onboardings.id, id));
  return row;
}

/** Moves an onboarding on, only from the statuses given, so a retried activity changes nothing twice. */
export async function setOnboardingStatus(
  db: DbOrTx,
  params: {
    id: string;
    from: OnboardingStatus[];
    to: OnboardingStatus;
    review?: OnboardingReview;
    errors?: FieldError[];
    customerId?: string;
    failureReason?: string;
  },
): Promise<boolean> {
  const updated = await db
    .update(onboardings)
    .set({
      status: params.to,
      updatedAt: new Date(),
      ...(params.review ? { review: params.review as unknown as Record<string, unknown> } : {}),
      ...(params.errors ? { errors: params.errors } : {}),
      ...(params.customerId ? { customerId: params.customerId } : {}),
      ...(params.failureReason ? { failureReason: params.failureReason } : {}),
    })
    .where(and(eq(onboardings.id, params.id), inArray(onboardings.status, params.from)))
    .returning({ id: onboardings.id });
  return updated.length > 0;
}

async function resellerRef(db: DbOrTx, id: string): Promise<PartnerRef | undefined> {
  const [row] = await db
    .select({ id: partners.id, name: partners.name, partnerId: partners.partnerId, kind: partners.kind })
    .from(partners)
    .where(eq(partners.id, id));
  return row && row.kind === 'reseller' ? { id: row.id, name: row.name, partnerId: row.partnerId } : undefined;
}

/**
 * Checks a request against the database — domain free of live customers, offers known, quantities
 * within bounds, resellers in an active partnership — and builds the review when nothing is wrong.
 * The API runs it for an immediate 422; the workflow runs it again as the authoritative check.
 */
export async function assessOnboardingRequest(
  db: DbOrTx,
  params: { providerId: string; request: OnboardingRequest; reviewExpiresAt: Date },
): Promise<{ errors: FieldError[]; review: OnboardingReview | null }> {
  const { request } = params;
  const errors: FieldError[] = [];

  const [liveCustomer] = await db
    .select({ id: customers.id })
    .from(customers)
    .where(and(eq(customers.domainPrefix, request.company.domainPrefix), ne(customers.status, 'deleted')));
  if (liveCustomer) {
    errors.push({ field: 'company.domainPrefix', code: 'DOMAIN_TAKEN', message: `${tenantDomain(request.company.domainPrefix)} is already taken` });
  }

  const offers = await getOffersByIds(db, request.items.map((item) => item.offerId));
  request.items.forEach((item, index) => {
    const offer = offers.get(item.offerId);
    if (request.items.findIndex((other) => other.offerId === item.offerId) < index) {
      errors.push({ field: `items.${index}.offerId`, code: 'BUSINESS_RULE', message: `${item.offerId} is ordered twice; order each offer once with its total quantity` });
    } else if (!offer) {
      errors.push({ field: `items.${index}.offerId`, code: 'OFFER_NOT_FOUND', message: `No offer ${item.offerId} in the catalog` });
    } else if (item.quantity < offer.minQuantity || item.quantity > offer.maxQuantity) {
      errors.push({
        field: `items.${index}.quantity`,
        code: 'QUANTITY_OUT_OF_BOUNDS',
        message: `${offer.name} takes ${offer.minQuantity} to ${offer.maxQuantity} licenses`,
      });
    }
    const choice = offer && resolveTermChoice(offer, item);
    if (choice && isTermChoiceRefusal(choice)) errors.push(termChoiceFieldError(choice, index));
  });
  const currencies = new Set([...offers.values()].map((offer) => offer.currency));
  if (currencies.size > 1) {
    errors.push({ field: 'items', code: 'BUSINESS_RULE', message: 'All offers of one order must be priced in the same currency' });
  }

  const checkReseller = async (field: string, id: string | undefined): Promise<PartnerRef | null> => {
    if (!id) return null;
    const reseller = await resellerRef(db, id);
    const active = reseller && (await findActivePartnership(db, { providerId: params.providerId, resellerId: id }));
    if (!reseller || !active) {
      errors.push({ field, code: 'PARTNERSHIP_NOT_ACTIVE', message: 'This reseller is not in an active partnership with you' });
      return null;
    }
    return reseller;
  };
  if (request.creditResellerAsPartnerOfRecord === true && !request.resellerId) {
    errors.push({ field: 'creditResellerAsPartnerOfRecord', code: 'BUSINESS_RULE', message: 'Crediting a reseller needs resellerId' });
  }
  const reseller = await checkReseller('resellerId', request.resellerId);
  const supportContact = await checkReseller('supportContactResellerId', request.supportContactResellerId);

  if (errors.length > 0) return { errors, review: null };

  const lineItems = request.items.map((item, index) => {
    const offer = offers.get(item.offerId)!;
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
  // Crediting the reseller is the default when one is given; `false` opts out.
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
      expiresAt: params.reviewExpiresAt.toISOString(),
    },
  };
}
