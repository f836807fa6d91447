import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customers, mailOutbox, resellerRelationships } from '../src/db/schema';
import { createLogger } from '../src/logger';
import { createActiveCustomer, partneredPair } from './support/fixtures';
import type { ErrorBody } from './support/api-types';
import { linkIn, mailTo, startTestEngine, waitFor, type Reply, type TestEngine } from './support/harness';

const logLines: string[] = [];
let engine: TestEngine;
beforeAll(async () => {
  // This file's API allows few link requests a minute, to see the limiter answer.
  engine = await startTestEngine({
    env: { LINK_RATE_LIMIT_PER_MINUTE: '8' },
    logger: createLogger('debug', { write: (line: string) => void logLines.push(line) }),
  });
});
afterAll(async () => {
  await engine?.stop();
});

describe('reseller relationship link security', () => {
  it('keeps the token out of the database, the outbox and the logs, escapes names on the page, and rate-limits the link pages (429)', async () => {
    const { provider, reseller } = await partneredPair(engine);
    const customer = await createActiveCustomer(engine, { providerId: provider.id });
    await engine.deps.db
      .update(customers)
      .set({ name: '<script>alert(1)</script> Ltd' })
      .where(eq(customers.id, customer.id));

    const started = await engine.request('POST', `/v1/customers/${customer.id}/reseller-relationships`, {
      key: provider.apiKey,
      body: { resellerId: reseller.id },
    });
    expect(started.status).toBe(202);
    const [mail] = await waitFor(async () => {
      const found = await mailTo(engine, customer.contactEmail);
      return found.length > 0 && found;
    });
    const link = linkIn(mail!.text, '/reseller-relationships');
    const token = link.pathname.split('/').pop()!;
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);

    const pageReply = await engine.request('GET', link.pathname);
    expect(pageReply.status).toBe(200);
    expect(pageReply.text).not.toContain('<script>alert(1)</script>');
    expect(pageReply.text).toContain('&lt;script&gt;');

    const [row] = await engine.deps.db
      .select()
      .from(resellerRelationships)
      .where(eq(resellerRelationships.id, started.body.id));
    expect(JSON.stringify(row)).not.toContain(token);
    const outbox = await engine.deps.db.select().from(mailOutbox);
    expect(JSON.stringify(outbox)).not.toContain(token);
    expect(logLines.join('\n')).not.toContain(token);

    let limited: Reply<ErrorBody> | undefined;
    for (let attempt = 0; attempt < 12 && !limited; attempt++) {
      const reply = await engine.request('GET', `/reseller-relationships/${'y'.repeat(43)}`);
      if (reply.status === 429) limited = reply;
    }
    expect(limited?.body.error.code).toBe('RATE_LIMITED');
  });
});
