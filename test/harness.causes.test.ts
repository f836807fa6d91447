import express from 'express';
import { describe, expect, it } from 'vitest';
import { errorMiddleware } from '../src/api/errors';
import { requester, unhandledErrorCapture } from './support/harness';
import { serveOnLoopback } from './support/serve';

/**
 * The test harness's own promise: a reply answered 500 names the engine's logged cause in its text,
 * so that `expect(reply.status, reply.text)` in a CI log says why (a CI run once showed only the
 * request id). A pure unit test over the real error middleware.
 */
describe('a 500 in a test names its cause', () => {
  it("appends the engine's 'unhandled error' line of that request, and only to a 500", async () => {
    const { logger, causes } = unhandledErrorCapture();
    const app = express();
    app.use((req, res, next) => {
      res.setHeader('x-request-id', String(req.query.id));
      next();
    });
    app.get('/broken', () => {
      throw new Error('the cause a test should see');
    });
    app.get('/fine', (_req, res) => void res.json({ ok: true }));
    app.use(errorMiddleware(logger));
    const server = await serveOnLoopback(app);
    const request = requester(server.url, causes);
    try {
      const broken = await request('GET', '/broken?id=req-1');
      expect(broken.status).toBe(500);
      expect(broken.body.error).toMatchObject({ code: 'INTERNAL', requestId: 'req-1' });
      expect(broken.text).toMatch(/the engine logged: .*the cause a test should see/);
      expect(causes).toHaveLength(1);

      const fine = await request('GET', '/fine?id=req-1');
      expect(fine.text).toBe('{"ok":true}');
      // Another request's 500 gets its own line, not the first one's.
      const other = await request('GET', '/broken?id=req-2');
      expect(other.text.match(/the engine logged/g)).toHaveLength(1);
      expect(other.text).toContain('"requestId":"req-2"');
      expect(other.text).not.toContain('req-1');
    } finally {
      await server.close();
    }
  });
});
