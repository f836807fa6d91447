/** The HTTP edge of errors: a domain `AppError` (src/domain/errors.ts) answered as PRODUCT.md's error body and status. */
import type { ErrorRequestHandler } from 'express';
import { z } from 'zod';
import { permanentDataError } from '../db/errors';
import { AppError } from '../domain/errors';
import type { Logger } from '../logger';
import { isDatabaseConnectionLost, isDependencyOutage, isOutcomeUnknown } from '../services/dependency-outage';
import { isLinkPath, linkErrorPage } from './link-error-page';

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

/**
 * What a 503 can say of the request's effect: "nothing was changed" only when that is known. A
 * Temporal call cut off by its deadline may still take effect; so may a write whose database
 * connection was lost under it (its COMMIT may have gone through). A retry with the same
 * Idempotency-Key gets the outcome either way.
 */
function outageMessage(error: unknown, method: string): string {
  if (isOutcomeUnknown(error))
    return 'The workflow service did not answer in time; the request may still take effect: retry it (with the same Idempotency-Key) to get its outcome';
  if (method !== 'GET' && method !== 'HEAD' && isDatabaseConnectionLost(error))
    return 'The connection to the database was lost during the request; it may have taken effect: retry it (with the same Idempotency-Key) to get its outcome';
  return 'The database or workflow service is unavailable; nothing was changed, try again shortly';
}

/** The one place errors become HTTP answers. Internal messages stay in the logs, behind the request id. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const requestId = String(res.getHeader('x-request-id') ?? '');
    let appError: AppError;
    if (error instanceof AppError) appError = error;
    else if (error instanceof z.ZodError) appError = validationError(error, 'body');
    else if (error?.type === 'entity.parse.failed')
      appError = new AppError('MALFORMED_JSON', 'The request body is not valid JSON');
    else if (error?.type === 'entity.too.large')
      appError = new AppError('PAYLOAD_TOO_LARGE', 'The request body is too large');
    else if (error?.type === 'encoding.unsupported' || error?.type === 'charset.unsupported') {
      appError = new AppError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported body encoding or charset');
    } else if (typeof error?.status === 'number' && error.status >= 400 && error.status < 500) {
      appError = new AppError('VALIDATION_FAILED', 'The request could not be read');
    } else if (permanentDataError(error)) {
      // Defence in depth: the schemas should have refused this value before it reached Postgres.
      const refused = permanentDataError(error)!;
      logger.warn(
        { requestId, route: req.route?.path ?? null, sqlState: refused.sqlState },
        'the database refused a request value',
      );
      appError = new AppError(refused.kind === 'data' ? 'VALIDATION_FAILED' : 'CONFLICT', refused.message);
    } else if (isDependencyOutage(error)) {
      logger.warn({ err: error, requestId, route: req.route?.path ?? null }, 'dependency unavailable');
      res.setHeader('retry-after', '5');
      appError = new AppError('UNAVAILABLE', outageMessage(error, req.method));
    } else {
      // The route template, not the path: link paths carry their token.
      logger.error({ err: error, requestId, method: req.method, route: req.route?.path ?? null }, 'unhandled error');
      appError = new AppError('INTERNAL', 'Internal error; quote the request id when reporting it');
    }
    if (appError.status >= 500 && appError.code !== 'INTERNAL')
      logger.warn({ requestId, code: appError.code }, appError.message);
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
