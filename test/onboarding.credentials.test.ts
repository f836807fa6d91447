import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepRevealedEscrows } from '../src/db/queries/credential-escrow';
import { createTestPartner, startTestEngine, waitFor, type TestEngine, type TestPartner } from './support/harness';
import { databaseDump, onboardingBody, reviewedOnboarding } from './support/onboarding.fixtures';

/**
 * One-time credentials survive a lost answer without being shown to anyone else: the reveal is bound
 * to the Idempotency-Key of the request that made it, for a replay window.
 */

let engine: TestEngine;
let provider: TestPartner;
beforeAll(async () => {
  engine = await startTestEngine();
  provider = await createTestPartner(engine.request, { kind: 'provider' });
});
afterAll(async () => {
  await engine?.stop();
});

/** Sends a POST and hangs up before the answer comes, as a client whose connection dropped. */
function postAndHangUp(path: string, headers: Record<string, string>): Promise<void> {
  return new Promise((resolve) => {
    const request = http.request(new URL(path, engine.url), {
      method: 'POST',
      headers: { ...headers, 'content-length': '0' },
    });
    request.on('error', () => resolve());
    request.on('response', () => {
      throw new Error('the answer came before the client hung up');
    });
    request.end(() =>
      setTimeout(() => {
        request.destroy();
        resolve();
      }, 100),
    );
  });
}

async function revealed(onboardingId: string): Promise<boolean> {
  const result = (await engine.deps.db.execute(
    sql`select 1 from credential_reveals where onboarding_id = ${onboardingId}`,
  )) as unknown as { rows?: unknown[] } & unknown[];
  return (result.rows ?? result).length > 0;
}

describe('credentials and a lost answer', () => {
  it('a submit whose answer was lost is retried with the same key and gets the same credentials; nobody else ever does', async () => {
    const onboarding = await reviewedOnboarding(engine, provider.apiKey, onboardingBody());
    const submitPath = `/v1/customer-onboardings/${onboarding.id}/submit`;
    const credentialsPath = `/v1/customer-onboardings/${onboarding.id}/credentials`;
    const key = `submit-${randomUUID()}`;

    await postAndHangUp(submitPath, { authorization: `Bearer ${provider.apiKey}`, 'idempotency-key': key });
    // The server went on: provisioning finished and the password was revealed into the closed connection.
    await waitFor(() => revealed(onboarding.id), { what: 'the reveal of the lost answer' });

    const retry = await engine.request('POST', submitPath, {
      key: provider.apiKey,
      headers: { 'idempotency-key': key },
    });
    expect(retry.status).toBe(200);
    expect(retry.body.status).toBe('completed');
    const password: string = retry.body.credentials.temporaryPassword;
    expect(password.length).toBeGreaterThan(8);
    // The escrow kept for the replay is ciphertext: the password is nowhere in the database.
    expect(await databaseDump(engine)).not.toContain(password);

    const again = await engine.request('POST', credentialsPath, {
      key: provider.apiKey,
      headers: { 'idempotency-key': key },
    });
    expect(again.status).toBe(200);
    expect(again.body.credentials.temporaryPassword).toBe(password);

    for (const headers of [{}, { 'idempotency-key': `other-${randomUUID()}` }] as Record<string, string>[]) {
      const someoneElse = await engine.request('POST', credentialsPath, { key: provider.apiKey, headers });
      expect(someoneElse.status).toBe(410);
      expect(someoneElse.body.error.code).toBe('CREDENTIALS_GONE');
    }
    const otherSubmit = await engine.request('POST', submitPath, {
      key: provider.apiKey,
      headers: { 'idempotency-key': `other-${randomUUID()}` },
    });
    expect(otherSubmit.status).toBe(409);

    // The caller acknowledges receipt: the escrow is destroyed, and the replay ends.
    const acknowledged = await engine.request('DELETE', credentialsPath, { key: provider.apiKey });
    expect(acknowledged.status).toBe(200);
    const afterAck = await engine.request('POST', credentialsPath, {
      key: provider.apiKey,
      headers: { 'idempotency-key': key },
    });
    expect(afterAck.status).toBe(410);
  });

  it('after the replay window the same key gets 410 and the sweep destroys the escrow', async () => {
    const onboarding = await reviewedOnboarding(engine, provider.apiKey, onboardingBody());
    const key = `submit-${randomUUID()}`;
    const submitted = await engine.request('POST', `/v1/customer-onboardings/${onboarding.id}/submit`, {
      key: provider.apiKey,
      headers: { 'idempotency-key': key },
    });
    expect(submitted.status).toBe(200);
    // The window ends (CREDENTIALS_REPLAY_WINDOW, 15 minutes by default).
    await engine.deps.db.execute(
      sql`update credential_escrow set replay_until = now() - interval '1 second' where onboarding_id = ${onboarding.id}`,
    );
    const late = await engine.request('POST', `/v1/customer-onboardings/${onboarding.id}/credentials`, {
      key: provider.apiKey,
      headers: { 'idempotency-key': key },
    });
    expect(late.status).toBe(410);
    expect(await sweepRevealedEscrows(engine.deps.db)).toBeGreaterThanOrEqual(1);
    const left = (await engine.deps.db.execute(
      sql`select 1 from credential_escrow where onboarding_id = ${onboarding.id}`,
    )) as unknown as { rows?: unknown[] } & unknown[];
    expect((left.rows ?? left).length).toBe(0);
  });

  it('without a key the reveal destroys the escrow at once, as before', async () => {
    const onboarding = await reviewedOnboarding(engine, provider.apiKey, onboardingBody());
    const submitted = await engine.request('POST', `/v1/customer-onboardings/${onboarding.id}/submit`, {
      key: provider.apiKey,
    });
    expect(submitted.status).toBe(200);
    const left = (await engine.deps.db.execute(
      sql`select 1 from credential_escrow where onboarding_id = ${onboarding.id}`,
    )) as unknown as { rows?: unknown[] } & unknown[];
    expect((left.rows ?? left).length).toBe(0);
  });
});

describe('a submit that outlasts the answer bound', () => {
  it('answers 202 within the bound instead of hanging, and the same submit retried with its key gets the credentials', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding = true;
    const slow = await startTestEngine({
      // SUBMIT_WAIT is longer than the bound: the bound wins.
      env: { API_ANSWER_TIMEOUT: '2s', SUBMIT_WAIT: '20s' },
      activityTestHooks: {
        afterCommit: async () => {
          if (holding) await held;
        },
      },
    });
    try {
      const slowProvider = await createTestPartner(slow.request, { kind: 'provider' });
      const onboarding = await reviewedOnboarding(slow, slowProvider.apiKey, onboardingBody());
      const headers = { 'idempotency-key': `submit-${randomUUID()}` };
      const submit = () =>
        slow.request('POST', `/v1/customer-onboardings/${onboarding.id}/submit`, { key: slowProvider.apiKey, headers });
      const first = await submit();
      expect(first.status).toBe(202);
      expect(first.body.status).toBe('provisioning');

      holding = false;
      release();
      const retried = await waitFor(
        async () => {
          const reply = await submit();
          return reply.status === 200 && reply;
        },
        { what: 'the retried submit to answer 200' },
      );
      expect(retried.body.credentials.temporaryPassword).toBeTruthy();
      const third = await submit();
      expect(third.body.credentials.temporaryPassword).toBe(retried.body.credentials.temporaryPassword);
    } finally {
      release();
      await slow.stop();
    }
  });
});
