import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { CustomerAddress, CustomerContact } from '../src/db/schema/customers';
import type { OnboardingStatus } from '../src/db/schema/onboardings';
import type { BillingFrequency, SubscriptionTerm } from '../src/domain/subscription-billing';

/** Messages and shapes of the customer-onboarding workflow, shared by the workflow, the API and the tests. */

/** What the provider asks for, as the API validated it. */
export type OnboardingRequest = {
  resellerId?: string;
  company: { name: string; domainPrefix: string; country: string; address: CustomerAddress };
  contact: CustomerContact;
  items: Array<{ offerId: string; quantity: number; term?: SubscriptionTerm; billingFrequency?: BillingFrequency }>;
  creditResellerAsPartnerOfRecord?: boolean;
  supportContactResellerId?: string;
};

export type OnboardingInput = {
  onboardingId: string;
  providerId: string;
  request: OnboardingRequest;
  reviewTtlMs: number;
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

/** The saga steps, in order; each completed one has a compensation. */
export const provisioningSteps = ['createTenant', 'createAdminUser', 'placeOrder', 'provisionSubscriptions', 'associateReseller'] as const;
export type ProvisioningStep = (typeof provisioningSteps)[number];

/** The workflow's state, as the `status` query answers it. It never holds the temporary password. */
export type OnboardingState = {
  onboardingId: string;
  providerId: string;
  resellerId: string | null;
  domain: string;
  status: OnboardingStatus;
  review: OnboardingReview | null;
  errors: FieldError[] | null;
  customerId: string | null;
  adminUsername: string | null;
  orderId: string | null;
  subscriptionIds: string[];
  /** The step being run or compensated, while provisioning. */
  step: ProvisioningStep | null;
  failureReason: string | null;
  closedAt: string | null;
};

export type SubmitResult =
  | { status: 'completed'; customerId: string; orderId: string; subscriptionIds: string[]; adminUsername: string }
  | { status: 'failed'; failureReason: string };

export const statusQuery = defineQuery<OnboardingState>('status');
/** Accepted only while `awaiting_review`; answers when provisioning has completed or been compensated. */
export const submitUpdate = defineUpdate<SubmitResult, []>('submit');
export const cancelUpdate = defineUpdate<{ status: 'cancelled' }, []>('cancel');

export const tenantDomain = (domainPrefix: string) => `${domainPrefix}.onmicrosoft.com`;
export const adminUsername = (domainPrefix: string) => `admin@${tenantDomain(domainPrefix)}`;
