import { and, eq, inArray, ne } from 'drizzle-orm';
import type {
  FieldError,
  OnboardingFacts,
  OnboardingRequest,
  OnboardingReview,
  PartnerRef,
} from '../../domain/onboarding';
import type { DbOrTx } from '../client';
import {
  credentialEscrow,
  credentialReveals,
  customers,
  onboardings,
  partners,
  type OnboardingStatus,
} from '../schema';
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
 * What an onboarding request is checked against (src/domain/onboarding.ts): is the domain held by a
 * customer that is not deleted, the catalog offers it names, and which of its resellers are in an
 * active partnership with the provider. The API reads them for an immediate 422; the workflow's
 * activity reads them again for the authoritative check.
 */
export async function onboardingFacts(
  db: DbOrTx,
  params: { providerId: string; request: OnboardingRequest },
): Promise<OnboardingFacts> {
  const { request } = params;
  const [liveCustomer] = await db
    .select({ id: customers.id })
    .from(customers)
    .where(and(eq(customers.domainPrefix, request.company.domainPrefix), ne(customers.status, 'deleted')));
  const offers = await getOffersByIds(
    db,
    request.items.map((item) => item.offerId),
  );
  const partneredResellers = new Map<string, PartnerRef>();
  for (const id of [request.resellerId, request.supportContactResellerId]) {
    if (!id || partneredResellers.has(id)) continue;
    const reseller = await resellerRef(db, id);
    if (reseller && (await findActivePartnership(db, { providerId: params.providerId, resellerId: id })))
      partneredResellers.set(id, reseller);
  }
  return { domainTaken: !!liveCustomer, offers, partneredResellers };
}
