import type { ErrorRequestHandler } from 'express';
import { z } from 'zod';
import { permanentDataError } from '../db/errors';
import { causeChain } from '../domain/cause-chain';
import type { Logger } from '../logger';
import { isLinkPath, linkErrorPage } from './link-error-page';

/** The closed list of error codes the API answers with, and the status each one means. */
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

export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.unknown()),
    requestId: z.string(),
  }),
});

export function errorBody(requestId: string, code: string, message: string, details: unknown[] = []) {
  return { error: { code, message, details, requestId } };
}

/** zod issues as `details`, with a one-line message naming the first problem. */
export function validationError(error: z.ZodError, where: 'body' | 'query' | 'params' | 'header'): AppError {
  const details = error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    code: issue.code,
    message: issue.message,
  }));
  const first = details[0];
  return new AppError('VALIDATION_FAILED', first ? `${first.path}: ${first.message}` : `invalid ${where}`, details);
}

/** The one place errors become HTTP answers. Internal messages stay in the logs, behind the request id. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const requestId = String(res.getHeader('x-request-id') ?? '');
    let appError: AppError;
    if (error instanceof AppError) appError = error;
    else if (error instanceof z.ZodError) appError = validationError(error, 'body');
    else if (error?.type === 'entity.parse.failed') appError = new AppError('MALFORMED_JSON', 'The request body is not valid JSON');
    else if (error?.type === 'entity.too.large') appError = new AppError('PAYLOAD_TOO_LARGE', 'The request body is too large');
    else if (error?.type === 'encoding.unsupported' || error?.type === 'charset.unsupported') {
      appError = new AppError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported body encoding or charset');
    } else if (typeof error?.status === 'number' && error.status >= 400 && error.status < 500) {
      appError = new AppError('VALIDATION_FAILED', 'The request could not be read');
    } else if (permanentDataError(error)) {
      // Defence in depth: the schemas should have refused this value before it reached Postgres.
      const refused = permanentDataError(error)!;
      logger.warn({ requestId, route: req.route?.path ?? null, sqlState: refused.sqlState }, 'the database refused a request value');
      appError = new AppError(refused.kind === 'data' ? 'VALIDATION_FAILED' : 'CONFLICT', refused.message);
    } else if (isDependencyOutage(error)) {
      logger.warn({ err: error, requestId, route: req.route?.path ?? null }, 'dependency unavailable');
      res.setHeader('retry-after', '5');
      appError = new AppError('UNAVAILABLE', 'The database or workflow service is unavailable; nothing was changed, try again shortly');
    } else {
      // The route template, not the path: link paths carry their token.
      logger.error({ err: error, requestId, method: req.method, route: req.route?.path ?? null }, 'unhandled error');
      appError = new AppError('INTERNAL', 'Internal error; quote the request id when reporting it');
    }
    if (appError.status >= 500 && appError.code !== 'INTERNAL') logger.warn({ requestId, code: appError.code }, appError.message);
    if (res.headersSent) return;
    if (appError.code === 'UNAVAILABLE' && !res.hasHeader('retry-after')) res.setHeader('retry-after', '2');
    res.status(appError.status);
    // People answering an emailed link in a browser get a page, not JSON.
    if (isLinkPath(req.path) && req.accepts(['json', 'html']) === 'html') {
      res.type('html').send(linkErrorPage(req, appError.code, requestId));
      return;
    }
    res.json(errorBody(requestId, appError.code, appError.message, appError.details));
  };
}

/**
 * gRPC codes of a Temporal frontend that is down or restarting (UNAVAILABLE, DEADLINE_EXCEEDED), or of
 * a call cut off by the request's own deadline (CANCELLED: the answer bound ran out first).
 */
const temporalOutageCodes = new Set([1, 4, 14]);
/** Network failures reaching Postgres, and its own "shutting down / starting up" SQLSTATEs. */
const databaseOutageCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', '57P01', '57P02', '57P03']);

/** An outage of Postgres or Temporal is the server's problem, but a temporary one: 503, not 500. */
export function isDependencyOutage(error: unknown): boolean {
  for (const cause of causeChain(error)) {
    if (cause.name === 'ServiceError' || cause.name === 'WorkflowUpdateRPCTimeoutOrCancelledError') {
      const grpc = (cause.cause as { code?: unknown } | undefined)?.code;
      if (typeof grpc === 'number' && temporalOutageCodes.has(grpc)) return true;
    }
    if (typeof cause.code === 'string' && databaseOutageCodes.has(cause.code)) return true;
    if (typeof cause.code === 'number' && temporalOutageCodes.has(cause.code) && 'details' in cause) return true;
    // Temporal refuses Updates while a run's workflow task is being retried (its worker died): transient.
    if (cause.code === 9 && /Workflow Task in failed state/i.test(String((cause as { details?: unknown }).details))) return true;
  }
  return false;
}
