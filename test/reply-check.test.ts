import { randomBytes } from 'node:crypto';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { errorMiddleware } from '../src/api/errors';
import { replyDrift } from '../src/api/reply-check';
import { ApiBuilder } from '../src/api/route';
import { loadConfig } from '../src/config';
import { createKeyRing } from '../src/security/cipher';
import { serveOnLoopback } from './support/serve';

/**
 * A route's replies are held to the schema it declares: at compile time (the handler's return type is
 * derived from `responses`) and, with API_CHECK_REPLIES on, at run time (a drifting reply is a 500),
 * which makes every integration test a contract test. A pure unit test: no database or Temporal is
 * reached (public routes; the deadline wrapper is a pass-through).
 */
const widgetSchema = z.object({ id: z.string(), count: z.number().int() });

function serve(checkReplies: boolean) {
  const logger = { error: vi.fn(), warn: vi.fn(), info: vi.fn() };
  const deps = {
    config: { checkReplies, maxInFlightPerRoute: 8, answerTimeoutMs: 5_000 },
    keyRing: createKeyRing({ keyId: 'k1', key: randomBytes(32) }),
    temporal: { withDeadline: (_deadline: number, run: () => Promise<unknown>) => run() },
    logger,
  };
  const router = express.Router();
  const api = new ApiBuilder(router, deps as never);
  const declared = { 200: { description: 'A widget', schema: widgetSchema } };
  api.route({
    method: 'get',
    path: '/widgets/good',
    summary: 'Answers as declared',
    tag: 'Test',
    access: 'public',
    responses: declared,
    handle: async () => ({ status: 200, json: { id: 'w1', count: 2 } }),
  });
  api.route({
    method: 'get',
    path: '/widgets/wrong-type',
    summary: 'Drifts: count is a string',
    tag: 'Test',
    access: 'public',
    responses: declared,
    // The type derived from the declared schema refuses this reply; the run-time check must catch it too.
    // @ts-expect-error count must be a number
    handle: async () => ({ status: 200, json: { id: 'w1', count: '2' } }),
  });
  api.route({
    method: 'get',
    path: '/widgets/extra-field',
    summary: 'Drifts: a field the schema does not declare',
    tag: 'Test',
    access: 'public',
    responses: declared,
    handle: async () => {
      const row = { id: 'w1', count: 2, supportContactResellerId: 'r1' };
      return { status: 200, json: row };
    },
  });
  api.route({
    method: 'get',
    path: '/widgets/undeclared-status',
    summary: 'Drifts: a status with no declared schema',
    tag: 'Test',
    access: 'public',
    responses: declared,
    // @ts-expect-error 201 is not a declared status
    handle: async () => ({ status: 201, json: { id: 'w1', count: 2 } }),
  });
  const app = express();
  app.use(router);
  app.use(errorMiddleware(logger as never));
  return { app, logger };
}

/** The app on a loopback port, and a GET that reads the JSON reply. */
async function listen(app: express.Express) {
  const server = await serveOnLoopback(app);
  return {
    close: server.close,
    get: async (path: string): Promise<{ status: number; body: any }> => {
      const response = await fetch(`${server.url}${path}`);
      return { status: response.status, body: await response.json() };
    },
  };
}

describe('replies checked against the declared schema (API_CHECK_REPLIES on)', () => {
  const { app, logger } = serve(true);
  let http: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    http = await listen(app);
  });
  afterAll(() => http.close());

  it('lets a reply that matches its schema through unchanged', async () => {
    expect(await http.get('/widgets/good')).toEqual({ status: 200, body: { id: 'w1', count: 2 } });
  });

  it('answers 500 INTERNAL and logs the drift for a field of the wrong type', async () => {
    const { status, body } = await http.get('/widgets/wrong-type');
    expect(status).toBe(500);
    expect(body.error.code).toBe('INTERNAL');
    const [fields, message] = logger.error.mock.calls.find(
      ([, text]) => text === 'reply does not match its declared schema',
    )!;
    expect(message).toBe('reply does not match its declared schema');
    expect(fields).toMatchObject({ route: 'GET /widgets/wrong-type', status: 200 });
    expect(fields.drift.join('\n')).toMatch(/^count: /);
  });

  it('answers 500 for a field the schema does not declare (zod would have stripped it silently)', async () => {
    logger.error.mockClear();
    expect((await http.get('/widgets/extra-field')).status).toBe(500);
    expect(logger.error.mock.calls[0]![0].drift).toEqual(['supportContactResellerId: not declared in the schema']);
  });

  it('answers 500 for a status the route does not declare', async () => {
    logger.error.mockClear();
    expect((await http.get('/widgets/undeclared-status')).status).toBe(500);
    expect(logger.error.mock.calls[0]![0].drift).toEqual(['no JSON schema is declared for this status']);
  });
});

describe('with API_CHECK_REPLIES off (production)', () => {
  const { app, logger } = serve(false);
  let http: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    http = await listen(app);
  });
  afterAll(() => http.close());

  it('sends the reply as the handler built it, unchecked', async () => {
    expect(await http.get('/widgets/wrong-type')).toEqual({ status: 200, body: { id: 'w1', count: '2' } });
    expect(logger.error).not.toHaveBeenCalled();
  });
});

describe('replyDrift', () => {
  it('finds undeclared fields at any depth, in arrays too, and ignores undefined ones', () => {
    const page = z.object({
      items: z.array(z.object({ id: z.string(), owner: z.object({ name: z.string() }) })),
      nextCursor: z.string().nullable(),
    });
    const reply = { items: [{ id: 'a', owner: { name: 'n', secret: 'x' } }], nextCursor: null, hint: undefined };
    expect(replyDrift(page, reply)).toEqual(['items[0].owner.secret: not declared in the schema']);
  });

  it('leaves the contents of a declared record alone', () => {
    expect(
      replyDrift(z.object({ data: z.record(z.string(), z.unknown()) }), { data: { anything: 1 } }),
    ).toBeUndefined();
  });
});

describe('API_CHECK_REPLIES', () => {
  it('is on by default, off in production, and follows the variable when set', () => {
    expect(loadConfig({}).checkReplies).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production' }).checkReplies).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', API_CHECK_REPLIES: 'true' }).checkReplies).toBe(true);
    expect(loadConfig({ API_CHECK_REPLIES: 'false' }).checkReplies).toBe(false);
  });
});
