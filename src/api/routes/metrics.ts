import { z } from 'zod';
import type { ApiDeps } from '../context';
import type { ApiBuilder } from '../route';

/** GET /metrics: the API's and this process's worker metrics, Prometheus text format. */
export function metricsRoutes(api: ApiBuilder, deps: ApiDeps) {
  api.route({
    method: 'get',
    path: '/metrics',
    summary:
      'Prometheus metrics: HTTP requests and latency by route and status, workflow starts and outcomes, activity failures',
    tag: 'Operations',
    access: 'public',
    responses: {
      200: { description: 'Prometheus text exposition format', contentType: 'text/plain', schema: z.string() },
    },
    handle: async () => ({
      status: 200,
      text: await deps.metrics.registry.metrics(),
      contentType: deps.metrics.registry.contentType,
    }),
  });
}
