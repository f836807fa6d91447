import { OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { Connection } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { ApiDeps } from '../context';
import type { ApiBuilder } from '../route';

async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function operationRoutes(api: ApiBuilder, deps: ApiDeps) {
  api.route({
    method: 'get',
    path: '/healthz',
    summary: 'The process is up',
    tag: 'Operations',
    access: 'public',
    responses: { 200: { description: 'Up', schema: z.object({ status: z.literal('ok') }) } },
    handle: async () => ({ status: 200, json: { status: 'ok' as const } }),
  });

  api.route({
    method: 'get',
    path: '/readyz',
    summary: 'The database and Temporal are reachable',
    tag: 'Operations',
    access: 'public',
    responses: {
      200: {
        description: 'Ready',
        schema: z.object({ status: z.string(), database: z.string(), temporal: z.string() }),
      },
      503: {
        description: 'A dependency is unreachable',
        schema: z.object({ status: z.string(), database: z.string(), temporal: z.string() }),
      },
    },
    handle: async () => {
      const [database, temporal] = await Promise.all([
        within(3_000, deps.db.execute(sql`select 1`)).then(
          () => 'ok',
          () => 'unreachable',
        ),
        // A deadline, not only a race: the SDK retries a failing call in the background, and an
        // unbounded retry outliving the connection would crash the process at shutdown.
        within(
          3_000,
          (deps.temporal.connection as Connection).withDeadline(Date.now() + 2_500, () =>
            (deps.temporal.connection as Connection).healthService.check({}),
          ),
        ).then(
          () => 'ok',
          () => 'unreachable',
        ),
      ]);
      const ready = database === 'ok' && temporal === 'ok';
      return { status: ready ? 200 : 503, json: { status: ready ? 'ready' : 'not ready', database, temporal } };
    },
  });

  api.route({
    method: 'get',
    path: '/openapi.json',
    summary: 'This document (OpenAPI 3.1), generated from the zod schemas that validate requests',
    tag: 'Operations',
    access: 'public',
    responses: { 200: { description: 'OpenAPI 3.1 document', schema: z.record(z.string(), z.unknown()) } },
    handle: async () => ({ status: 200, json: { ...openApiDocument(api) } }),
  });

  api.route({
    method: 'get',
    path: '/docs',
    summary: 'The API document, rendered',
    tag: 'Operations',
    access: 'public',
    responses: { 200: { description: 'Swagger UI', html: true } },
    handle: async () => ({
      status: 200,
      html: `<!doctype html><html><head><meta charset="utf-8"><title>Partner onboarding API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head><body><div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui' });</script></body></html>`,
    }),
  });
}

export function openApiDocument(api: ApiBuilder) {
  return new OpenApiGeneratorV31(api.registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Partner onboarding engine',
      version: '1.0.0',
      description:
        'Invitations, partnerships, new customers and subscriptions for indirect providers and their resellers.',
    },
  });
}
