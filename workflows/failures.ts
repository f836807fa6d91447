import { ApplicationFailure } from '@temporalio/common';
import type { ErrorCode } from '../src/domain/errors';

/**
 * Business refusals raised by workflows and activities. They travel as non-retryable
 * ApplicationFailures whose `type` is one of these codes; the API maps each to an HTTP status.
 * `satisfies` makes a code that is not in the domain's closed list (src/domain/errors.ts) a compile error.
 */
export const businessFailureCodes = [
  'INVITATION_NOT_PENDING',
  'INVITATION_EXPIRED',
  'INVITATION_REVOKED',
  'INVITATION_BUSY',
  'RESELLER_EMAIL_MISMATCH',
  'RESELLER_NOT_ELIGIBLE',
  'ONBOARDING_NOT_AWAITING_REVIEW',
  'CREDENTIALS_GONE',
  'PARTNERSHIP_NOT_ACTIVE',
  'QUANTITY_OUT_OF_BOUNDS',
  'OFFER_NOT_FOUND',
  'OFFER_CURRENCY_MISMATCH',
  'DOMAIN_TAKEN',
  'RELATIONSHIP_NOT_PENDING',
  'RELATIONSHIP_EXPIRED',
  'RELATIONSHIP_REVOKED',
  'SUBSCRIPTION_WRONG_STATE',
  'CANCELLATION_WINDOW_CLOSED',
  'QUANTITY_DECREASE_NOT_ALLOWED',
  'SCHEDULED_CHANGE_NEEDS_AUTORENEW',
  'TERM_NOT_OFFERED',
  'BILLING_FREQUENCY_NOT_OFFERED',
] as const satisfies readonly ErrorCode[];
export type BusinessFailureCode = (typeof businessFailureCodes)[number];

export function businessFailure(code: BusinessFailureCode, message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    type: code,
    message,
    nonRetryable: true,
    details: details === undefined ? [] : [details],
  });
}

export function isBusinessFailureCode(type: string | undefined | null): type is BusinessFailureCode {
  return !!type && (businessFailureCodes as readonly string[]).includes(type);
}
