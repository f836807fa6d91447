import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestPartner,
  linkIn,
  mailTo,
  startTestEngine,
  uniqueEmail,
  waitFor,
  type TestEngine,
  type TestPartner,
} from './support/harness';
import { invite } from './support/invitations';

/**
 * Under faults every client converges: answers come within the bound (503 + Retry-After, never a
 * hang), a retry with the same Idempotency-Key reaches the first attempt's outcome, and a key is never
 * stuck "in use" by a request that is gone.
 */

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine({ env: { API_ANSWER_TIMEOUT: '3s' } });
});
afterAll(async () => {
  await engine?.stop();
});

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  const result = (await engine.deps.db.execute(query)) as unknown as { rows?: T[] } & T[];
  return result.rows ?? result;
}

describe('Idempotency-Key reservations', () => {
  it('a reservation whose request died is taken over by the retry, which answers with what the first attempt created', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const key = `invite-${randomUUID()}`;
    const body = { resellerEmail: uniqueEmail('reseller') };
    const first = await engine.request('POST', '/v1/invitations', {
      key: provider.apiKey,
      body,
      headers: { 'idempotency-key': key },
    });
    expect(first.status).toBe(202);
    // As the Postgres outage left it: the invitation and its run exist, but the answer was never
    // stored and the reservation never removed; its request is gone (its lease has run out).
    await engine.deps.db.execute(
      sql`update idempotency_keys set completed_at = null, status_code = null, response_body = null, lease_expires_at = now() - interval '1 second' where key = ${key}`,
    );

    const retry = await engine.request('POST', '/v1/invitations', {
      key: provider.apiKey,
      body,
      headers: { 'idempotency-key': key },
    });
    expect(retry.status).toBe(202);
    expect(retry.body.id).toBe(first.body.id);
    const invitations = await rows<{ n: number }>(
      sql`select count(*)::int as n from invitations where provider_id = ${provider.id}`,
    );
    expect(invitations[0]!.n).toBe(1);
    // And the answer is stored now: the next retry replays it.
    const replay = await engine.request('POST', '/v1/invitations', {
      key: provider.apiKey,
      body,
      headers: { 'idempotency-key': key },
    });
    expect(replay.body).toEqual(retry.body);
  });

  it('a reservation held by a live request answers 409 with Retry-After within the bound instead of waiting on it', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const key = `held-${randomUUID()}`;
    const body = { resellerEmail: uniqueEmail('reseller') };
    const first = await engine.request('POST', '/v1/invitations', {
      key: provider.apiKey,
      body,
      headers: { 'idempotency-key': key },
    });
    expect(first.status).toBe(202);
    await engine.deps.db.execute(
      sql`update idempotency_keys set completed_at = null, status_code = null, response_body = null, lease_token = 'another-request', lease_expires_at = now() + interval '1 hour' where key = ${key}`,
    );
    const busy = await engine.request('POST', '/v1/invitations', {
      key: provider.apiKey,
      body,
      headers: { 'idempotency-key': key },
    });
    expect(busy.status).toBe(409);
    expect(busy.body.error.code).toBe('IDEMPOTENCY_KEY_IN_USE');
    expect(Number(busy.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('bounded answers', () => {
  it('an accept the workers cannot take answers 503 with Retry-After; the same accept retried reaches one outcome', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
    // Its own task queue, so that its workers can be taken away and brought back.
    const taskQueue = `conv-${randomUUID()}`;
    const withWorker = await startTestEngine({ taskQueue, env: { API_ANSWER_TIMEOUT: '3s' } });
    const { invitation, link } = await invite(withWorker, provider, reseller.email);
    await withWorker.stop();

    const apiOnly = await startTestEngine({ taskQueue, runWorker: false, env: { API_ANSWER_TIMEOUT: '3s' } });
    try {
      const headers = { 'idempotency-key': `accept-${randomUUID()}` };
      const accept = () =>
        apiOnly.request('POST', `${link}/accept`, { body: { partnerId: reseller.partnerId }, headers });
      const unanswered = await accept();
      expect(unanswered.status).toBe(503);
      expect(unanswered.body.error.code).toBe('UNAVAILABLE');
      // The Update was cut off, not refused: the workflow takes it once a worker is back, so the
      // answer must not say that nothing was changed.
      expect(unanswered.body.error.message).toMatch(/may still take effect/);
      expect(unanswered.body.error.message).not.toMatch(/nothing was changed/);
      expect(Number(unanswered.headers.get('retry-after'))).toBeGreaterThan(0);

      const worker = await startTestEngine({ taskQueue, runApi: false });
      try {
        const accepted = await waitFor(
          async () => {
            const reply = await accept();
            return reply.status === 200 && reply;
          },
          { what: 'the retried accept to answer 200' },
        );
        // The same accept once more, after the run has closed: the same answer, not 409.
        const again = await accept();
        expect(again.status).toBe(200);
        expect(again.body.partnership.id).toBe(accepted.body.partnership.id);
        // Without the key it is a second accept, refused as the contract says.
        const other = await apiOnly.request('POST', `${link}/accept`, { body: { partnerId: reseller.partnerId } });
        expect(other.status).toBe(409);
      } finally {
        await worker.stop();
      }
      const partnerships = await rows<{ n: number }>(
        sql`select count(*)::int as n from partnerships where provider_id = ${provider.id}`,
      );
      expect(partnerships[0]!.n).toBe(1);
      const after = await engine.request('GET', `/v1/invitations/${invitation.id}`, { key: provider.apiKey });
      expect(after.body.status).toBe('accepted');
    } finally {
      await apiOnly.stop();
    }
  });

  it('past the per-route in-flight limit a request is shed at once with 503 and Retry-After', async () => {
    const taskQueue = `conv-${randomUUID()}`;
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
    const withWorker = await startTestEngine({ taskQueue });
    const { link } = await invite(withWorker, provider, reseller.email);
    await withWorker.stop();
    const apiOnly = await startTestEngine({
      taskQueue,
      runWorker: false,
      env: { API_ANSWER_TIMEOUT: '3s', API_MAX_IN_FLIGHT: '1' },
    });
    try {
      const holding = apiOnly.request('POST', `${link}/accept`, { body: { partnerId: reseller.partnerId } });
      // The first accept waits (no worker takes its Update) for most of the 3 s bound; the second comes meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const shed = await apiOnly.request('POST', `${link}/accept`, { body: { partnerId: reseller.partnerId } });
      expect(shed.status).toBe(503);
      expect(shed.body.error.message).toMatch(/busy/);
      expect(Number(shed.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await holding).status).toBe(503);
    } finally {
      await apiOnly.stop();
    }
  });
});
