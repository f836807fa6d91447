import { z } from 'zod';
import { uuid } from '../domain/text';
import { billingFrequencies, subscriptionTerms } from '../domain/subscription-billing';
import { onboardingStatuses, type onboardings } from '../db/schema';
import { tenantDomain } from '../domain/customer';
import { customerSchema } from './customer';
import { partnerRefSchema } from './partner-ref';
import { subscriptionSchema } from './subscription';

const fieldErrorSchema = z.object({ field: z.string(), code: z.string(), message: z.string() });

export const reviewSchema = z.object({
  lineItems: z.array(
    z.object({
      lineNumber: z.number().int(),
      offerId: z.string(),
      offerName: z.string(),
      quantity: z.number().int(),
      unitPrice: z.number().int().describe('cents'),
      lineTotal: z.number().int().describe('cents'),
      currency: z.string(),
      billingCycle: z.string(),
      term: z.enum(subscriptionTerms),
      billingFrequency: z.enum(billingFrequencies),
    }),
  ),
  total: z.number().int().describe('cents'),
  currency: z.string(),
  customer: z.object({
    company: z.record(z.string(), z.unknown()),
    contact: z.record(z.string(), z.unknown()),
    adminUsername: z.string(),
  }),
  reseller: partnerRefSchema.nullable(),
  partnerOfRecord: z.object({ credited: z.boolean(), partnerId: z.string().nullable() }),
  supportContact: partnerRefSchema.nullable(),
  expiresAt: z.string(),
});
type ReviewView = z.infer<typeof reviewSchema>;

/** A customer onboarding as every reply and `customer_onboarding.*` event shows it. */
export const onboardingSchema = z.object({
  id: uuid,
  status: z.enum(onboardingStatuses),
  workflowId: z.string(),
  domain: z.string(),
  resellerId: z.string().nullable(),
  request: z.record(z.string(), z.unknown()),
  review: reviewSchema.optional(),
  errors: z.array(fieldErrorSchema).optional(),
  customerId: z.string().optional(),
  failureReason: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type OnboardingView = z.infer<typeof onboardingSchema>;

/** The admin's one-time credentials. */
export const credentialsSchema = z.object({ username: z.string(), temporaryPassword: z.string() });

/** Extensions for submit: done (the customer, its subscriptions, the credentials once) or still provisioning. */
export const onboardingCompletedSchema = z.object({
  id: uuid,
  status: z.literal('completed'),
  customer: customerSchema.optional(),
  subscriptions: z.array(subscriptionSchema),
  credentials: credentialsSchema,
});
export const onboardingProvisioningSchema = onboardingSchema
  .pick({ id: true, workflowId: true })
  .extend({ status: z.literal('provisioning') });

type OnboardingRow = Pick<
  typeof onboardings.$inferSelect,
  | 'id'
  | 'status'
  | 'workflowId'
  | 'domainPrefix'
  | 'resellerId'
  | 'request'
  | 'review'
  | 'errors'
  | 'customerId'
  | 'failureReason'
  | 'createdAt'
  | 'updatedAt'
>;

export function onboardingView(onboarding: OnboardingRow): OnboardingView {
  return {
    id: onboarding.id,
    status: onboarding.status,
    workflowId: onboarding.workflowId,
    domain: tenantDomain(onboarding.domainPrefix),
    resellerId: onboarding.resellerId,
    request: onboarding.request,
    // Stored as the workflow's OnboardingReview; the reply check holds it to the schema.
    review: (onboarding.review as ReviewView | null) ?? undefined,
    errors: onboarding.errors ?? undefined,
    customerId: onboarding.customerId ?? undefined,
    failureReason: onboarding.failureReason ?? undefined,
    createdAt: onboarding.createdAt.toISOString(),
    updatedAt: onboarding.updatedAt.toISOString(),
  };
}
