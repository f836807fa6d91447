import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/api/app';
import { startTestEngine, type TestEngine } from './support/harness';

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine({ runWorker: false });
});
afterAll(async () => {
  await engine?.stop();
});

type Layer = {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
  rawPath?: unknown;
};

/** Every method + path the Express app answers, found by walking its router stack (nested routers included). */
function expressRoutes(stack: Layer[], prefix = ''): string[] {
  const routes: string[] = [];
  for (const layer of stack) {
    if (layer.route) {
      for (const path of [layer.route.path].flat()) {
        for (const method of Object.keys(layer.route.methods).filter((m) => layer.route!.methods[m] && m !== '_all')) {
          routes.push(`${method.toUpperCase()} ${prefix}${path}`);
        }
      }
    } else if (layer.handle?.stack) {
      const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      routes.push(...expressRoutes(layer.handle.stack, prefix + mount));
    }
  }
  return routes;
}

describe('the API document', () => {
  it('documents every route of the Express app (a route missing from /openapi.json fails here)', async () => {
    const { app } = createApp(engine.deps);
    const routes = expressRoutes((app as unknown as { router: { stack: Layer[] } }).router.stack);
    expect(routes.length).toBeGreaterThan(10);
    const document = (await engine.request('GET', '/openapi.json')).body;
    const documented = new Set(
      Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    const missing = routes.filter((route) => !documented.has(route.replace(/:([A-Za-z0-9_]+)/g, '{$1}')));
    expect(missing, `routes missing from /openapi.json: ${missing.join(', ')}`).toEqual([]);
  });

  it('is OpenAPI 3.1 with the operations endpoints, request bodies and the error shape', async () => {
    const reply = await engine.request('GET', '/openapi.json');
    expect(reply.status).toBe(200);
    const document = reply.body;
    expect(document.openapi).toBe('3.1.0');
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs', '/codec/encode', '/codec/decode'])
      expect(document.paths).toHaveProperty([path]);
    const decode = document.paths['/codec/decode'].post;
    expect(decode.requestBody.content['application/json'].schema).toBeDefined();
    expect(decode.responses['401'].content['application/json'].schema).toBeDefined();
    expect(decode.security).toEqual([{ bearer: [] }]);
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('renders at /docs with Swagger UI served from this server, not a CDN', async () => {
    const page = await engine.request('GET', '/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.text).toContain("url: '/openapi.json'");
    expect(page.text).not.toMatch(/https?:\/\//);
    const bundle = await engine.request('GET', '/docs/assets/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
  });
});
