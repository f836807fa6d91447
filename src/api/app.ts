import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import express, { Router } from 'express';
import { logContext } from '../logger';
import { answerBound } from './answer-bound';
import type { ApiDeps } from './context';
import { errorBody, errorMiddleware } from './errors';
import { ApiBuilder } from './route';
import { codecMiddleware, codecRoutes } from './routes/codec';
import { linkRateLimit } from './link-pages';
import { byApiKey, limitRequests } from './rate-limit';
import { invitationLinkRoutes } from './routes/invitation-links';
import { invitationRoutes } from './routes/invitations';
import { metricsRoutes } from './routes/metrics';
import { operationRoutes } from './routes/operations';
import { outboxRoutes } from './routes/outbox';
import { assetRoutes } from './routes/assets';
import { partnerRoutes } from './routes/partners';
import { partnershipRoutes } from './routes/partnerships';
import { customerRoutes } from './routes/customers';
import { onboardingRoutes } from './routes/onboardings';
import { customerEventRoutes } from './routes/customer-events';
import { orderRoutes } from './routes/orders';
import { resellerRelationshipRoutes } from './routes/reseller-relationships';
import { subscriptionRoutes } from './routes/subscriptions';
import { eventRoutes } from './routes/events';
import { webhookEndpointRoutes } from './routes/webhook-endpoints';
import { chargeRoutes } from './routes/charges';

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
        {
          requestId,
          method: req.method,
          route: req.route?.path ?? null,
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request',
      );
    });
    next();
  });
  app.use(deps.metrics.httpMiddleware);
  app.use(answerBound(deps.config.answerTimeoutMs));
  app.use('/codec', ...codecMiddleware(deps));
  app.use(express.json({ limit: '100kb', strict: true }));
  // After the body parsers, whose stream callbacks would lose the context: every log line written
  // while handling the request (services, error middleware) carries its request id.
  app.use((req, res, next) => logContext.run({ requestId: String(res.getHeader('x-request-id')) }, next));

  const router = Router();
  const api = new ApiBuilder(router, deps);
  limitRequests(router, '/v1', deps.config.apiRateLimitPerMinute, byApiKey);
  linkRateLimit(router, '/invitations', deps.config.linkRateLimitPerMinute);
  linkRateLimit(router, '/reseller-relationships', deps.config.linkRateLimitPerMinute);
  operationRoutes(api, deps);
  outboxRoutes(api, deps);
  assetRoutes(api);
  metricsRoutes(api, deps);
  codecRoutes(api, deps);
  partnerRoutes(api, deps);
  invitationRoutes(api, deps);
  invitationLinkRoutes(api, deps);
  partnershipRoutes(api, deps);
  onboardingRoutes(api, deps);
  customerRoutes(api, deps);
  orderRoutes(api, deps);
  subscriptionRoutes(api, deps);
  chargeRoutes(api, deps);
  resellerRelationshipRoutes(api, deps);
  customerEventRoutes(api, deps);
  eventRoutes(api, deps);
  webhookEndpointRoutes(api, deps);

  const swaggerUi = createRequire(import.meta.url)
    .resolve('swagger-ui-dist/package.json')
    .replace(/package\.json$/, '');
  app.use('/docs/assets', express.static(swaggerUi, { index: false, maxAge: '1h' }));
  // OPTIONS names the methods the path's own routes declare (Express would also count a `:id` sibling).
  app.use((req, res, next) => {
    const allowed = req.method === 'OPTIONS' ? api.allowedMethods(req.path) : [];
    if (allowed.length === 0) return next();
    res.setHeader('allow', allowed.join(', '));
    res.status(204).end();
  });
  app.use(router);
  app.use((req, res, next) => {
    const allowed = api.allowedMethods(req.path);
    if (allowed.length === 0) return next();
    res.setHeader('allow', allowed.join(', '));
    res
      .status(405)
      .json(
        errorBody(
          String(res.getHeader('x-request-id')),
          'METHOD_NOT_ALLOWED',
          `${req.method} is not allowed on ${req.path}; use ${allowed.join(', ')}`,
        ),
      );
  });
  app.use((req, res) => {
    res
      .status(404)
      .json(errorBody(String(res.getHeader('x-request-id')), 'NOT_FOUND', `No route for ${req.method} ${req.path}`));
  });
  app.use(errorMiddleware(deps.logger));
  return { app, api };
}
