import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { FieldError, OnboardingRequest, OnboardingReview } from '../src/domain/onboarding';
import type { OnboardingStatus } from '../src/domain/statuses';

/** Messages and shapes of the customer-onboarding workflow, shared by the workflow, the API and the tests. */

export { adminUsername, tenantDomain } from '../src/domain/customer';
export type {
  FieldError,
  OnboardingRequest,
  OnboardingReview,
  PartnerRef,
  ReviewLineItem,
} from '../src/domain/onboarding';

export type OnboardingInput = {
  onboardingId: string;
  providerId: string;
  request: OnboardingRequest;
  reviewTtlMs: number;
};

/** The saga steps, in order; each completed one has a compensation. */
export const provisioningSteps = [
  'createTenant',
  'createAdminUser',
  'placeOrder',
  'provisionSubscriptions',
  'associateReseller',
] as const;
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
