/**
 * The closed list of error codes the engine answers with, and the HTTP status each one means
 * (PRODUCT.md, "Errors"). No HTTP library here: services throw `AppError`s with these codes, the
 * workflows' business subset (`workflows/failures.ts`) is checked against this list when it compiles,
 * and only `src/api/errors.ts` turns them into HTTP answers.
 */
export const errorStatus = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  TERM_NOT_OFFERED: 400,
  BILLING_FREQUENCY_NOT_OFFERED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RESELLER_EMAIL_MISMATCH: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  ALREADY_PARTNERS: 409,
  INVITATION_NOT_PENDING: 409,
  INVITATION_BUSY: 409,
  ONBOARDING_NOT_AWAITING_REVIEW: 409,
  ONBOARDING_NOT_COMPLETED: 409,
  RELATIONSHIP_NOT_PENDING: 409,
  ALREADY_MANAGED: 409,
  IDEMPOTENCY_KEY_IN_USE: 409,
  SUBSCRIPTION_WRONG_STATE: 409,
  INVITATION_EXPIRED: 410,
  INVITATION_REVOKED: 410,
  RELATIONSHIP_EXPIRED: 410,
  RELATIONSHIP_REVOKED: 410,
  CREDENTIALS_GONE: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
  RESELLER_NOT_ELIGIBLE: 422,
  RESELLER_NOT_FOUND: 422,
  PARTNERSHIP_NOT_ACTIVE: 422,
  QUANTITY_OUT_OF_BOUNDS: 422,
  OFFER_NOT_FOUND: 422,
  OFFER_CURRENCY_MISMATCH: 422,
  DOMAIN_TAKEN: 422,
  BUSINESS_RULE: 422,
  CANCELLATION_WINDOW_CLOSED: 422,
  QUANTITY_DECREASE_NOT_ALLOWED: 422,
  SCHEDULED_CHANGE_NEEDS_AUTORENEW: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  PROVISIONING_FAILED: 502,
  UNAVAILABLE: 503,
} as const;
export type ErrorCode = keyof typeof errorStatus;

export const isErrorCode = (code: unknown): code is ErrorCode =>
  typeof code === 'string' && Object.hasOwn(errorStatus, code);

/** A refusal with one of the closed codes; `details` are shown to the caller as they are. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: unknown[] = [],
  ) {
    super(message);
  }
  get status(): number {
    return errorStatus[this.code];
  }
}

export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found`);
