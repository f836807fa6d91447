import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import express, { Router } from 'express';
import type { ApiDeps } from './context';
import { errorBody, errorMiddleware } from './errors';
import { ApiBuilder } from './route';
import { invitationLinkRoutes, linkRateLimit } from './routes/invitation-links';
import { invitationRoutes } from './routes/invitations';
import { operationRoutes } from './routes/operations';
import { partnerRoutes } from './routes/partners';
import { partnershipRoutes } from './routes/partnerships';

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** The HTTP API: a thin edge that validates, authorises and hands each request to one function. */
export function createApp(deps: ApiDeps) {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming && requestIdPattern.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      deps.logger.info(
        { requestId, method: req.method, route: req.route?.path ?? null, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 },
        'request',
      );
    });
    next();
  });
  app.use(express.json({ limit: '100kb', strict: true }));
  app.use(express.urlencoded({ extended: false, limit: '16kb' }));

  const router = Router();
  const api = new ApiBuilder(router, deps);
  linkRateLimit(router, '/invitations');
  operationRoutes(api, deps);
  partnerRoutes(api, deps);
  invitationRoutes(api, deps);
  invitationLinkRoutes(api, deps);
  partnershipRoutes(api, deps);

  const swaggerUi = createRequire(import.meta.url).resolve('swagger-ui-dist/package.json').replace(/package\.json$/, '');
  app.use('/docs/assets', express.static(swaggerUi, { index: false, maxAge: '1h' }));
  app.use(router);
  app.use((req, res) => {
    res.status(404).json(errorBody(String(res.getHeader('x-request-id')), 'NOT_FOUND', `No route for ${req.method} ${req.path}`));
  });
  app.use(errorMiddleware(deps.logger));
  return { app, api };
}
