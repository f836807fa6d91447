import type { RequestHandler, Response } from 'express';
import { AppError } from '../domain/errors';
import { errorBody } from './errors';

/**
 * The time a handler may work: the answer bound less a margin, so that a handler whose Temporal
 * calls run out of time still answers itself (503, or submit's 202) before the backstop below.
 */
export function workDeadline(answerTimeoutMs: number, startedAt = Date.now()): number {
  return startedAt + answerTimeoutMs - Math.min(1_000, answerTimeoutMs / 5);
}

/** Seconds a client should wait before retrying an answer that was not ready. */
export const RETRY_AFTER_SECONDS = 2;

/** An answer that says "not now, ask again": 503 UNAVAILABLE with Retry-After. */
export function tryAgain(res: Response, message: string, retryAfterSeconds = RETRY_AFTER_SECONDS): AppError {
  res.setHeader('retry-after', String(Math.max(1, Math.ceil(retryAfterSeconds))));
  return new AppError('UNAVAILABLE', message);
}

/**
 * The backstop of "every request answers within API_ANSWER_TIMEOUT": whatever a request still waits
 * on (a database that does not answer, a slow dependency), the client gets 503 with Retry-After at the
 * bound. Work that goes on afterwards is harmless: every action converges when retried (derived ids,
 * Update ids, idempotency leases), and later attempts to answer are dropped.
 */
export function answerBound(answerTimeoutMs: number): RequestHandler {
  return (req, res, next) => {
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      res.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
      res
        .status(503)
        .json(
          errorBody(
            String(res.getHeader('x-request-id') ?? ''),
            'UNAVAILABLE',
            'No answer within the time bound; retry the same request (same Idempotency-Key) to get its outcome',
          ),
        );
    }, answerTimeoutMs);
    timer.unref();
    res.on('finish', () => clearTimeout(timer));
    res.on('close', () => clearTimeout(timer));
    next();
  };
}
