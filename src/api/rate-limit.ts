import { createHash } from 'node:crypto';
import type { Request, Router } from 'express';
import rateLimit, { ipKeyGenerator } from 'express-rate-limit';
import { AppError } from '../domain/errors';

/**
 * A fixed-window limit per minute on the routes under `prefix`, answered with 429 by the error
 * middleware (the API's error shape; a page in the reader's language on the link pages). Counters
 * live in the process: with several API replicas each enforces its own share.
 */
export function limitRequests(router: Router, prefix: string, perMinute: number, keyOf: (req: Request) => string) {
  router.use(
    prefix,
    rateLimit({
      windowMs: 60_000,
      limit: perMinute,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      keyGenerator: keyOf,
      handler: (_req, _res, next) => next(new AppError('RATE_LIMITED', 'Too many requests; slow down')),
    }),
  );
}

/** Per client address (the public link pages: nobody is authenticated there). */
export const byAddress = (req: Request) => ipKeyGenerator(req.ip ?? 'unknown');

/** Per API key — hashed, so no key sits in the counters — or per address for unauthenticated calls. */
export const byApiKey = (req: Request) => {
  const authorization = req.get('authorization');
  return authorization ? `key:${createHash('sha256').update(authorization).digest('hex')}` : `ip:${byAddress(req)}`;
};
