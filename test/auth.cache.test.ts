import type { Request } from 'express';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator } from '../src/api/auth';
import type { Db } from '../src/db/client';
import { createPartner, type Partner } from '../src/db/queries/partners';
import { partners } from '../src/db/schema';
import { newApiKey, sha256 } from '../src/security/tokens';
import {
  createTestPartner,
  OPERATOR_KEY,
  startTestEngine,
  testDatabase,
  uniqueEmail,
  uniquePartnerId,
  type TestEngine,
} from './support/harness';

/**
 * The API keeps a resolved partner key for API_KEY_CACHE_TTL, so a request after the first makes one
 * round trip less. Against the real test database: a key whose row changes behind the cache's back
 * shows whether a request looked it up.
 */
let db: Db;
beforeAll(async () => {
  db = (await testDatabase()).db;
});

const requestWith = (key: string) =>
  ({ get: (name: string) => (name.toLowerCase() === 'authorization' ? `Bearer ${key}` : undefined) }) as Request;

async function newReseller(apiKey: string): Promise<Partner> {
  return createPartner(db, {
    kind: 'reseller',
    partnerId: uniquePartnerId(),
    name: 'Cached Reseller',
    email: uniqueEmail('cached'),
    country: 'ES',
    cspEnrolled: true,
    apiKeyHash: sha256(apiKey),
  });
}

/** Moves the partner's key hash away, as if the key no longer existed: only a lookup notices. */
const unlinkKey = (partnerId: string) =>
  db
    .update(partners)
    .set({ apiKeyHash: sha256(newApiKey()) })
    .where(eq(partners.id, partnerId));

describe('Authenticator', () => {
  it('looks a key up once and answers from memory until the TTL ends', async () => {
    let now = 1_000_000;
    const auth = new Authenticator({ db, operatorApiKey: OPERATOR_KEY, cacheTtlMs: 30_000, now: () => now });
    const key = newApiKey();
    const partner = await newReseller(key);

    expect(await auth.authenticate(requestWith(key))).toMatchObject({ role: 'reseller', partner: { id: partner.id } });
    await unlinkKey(partner.id);
    now += 29_999;
    expect(await auth.authenticate(requestWith(key))).toMatchObject({ role: 'reseller', partner: { id: partner.id } });
    now += 1;
    await expect(auth.authenticate(requestWith(key))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('with a TTL of 0 looks every key up', async () => {
    const auth = new Authenticator({ db, operatorApiKey: OPERATOR_KEY, cacheTtlMs: 0 });
    const key = newApiKey();
    const partner = await newReseller(key);
    await auth.authenticate(requestWith(key));
    await unlinkKey(partner.id);
    await expect(auth.authenticate(requestWith(key))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('never keeps an unknown key: a key registered after a refusal works at once', async () => {
    const auth = new Authenticator({ db, operatorApiKey: OPERATOR_KEY, cacheTtlMs: 30_000 });
    const key = newApiKey();
    await expect(auth.authenticate(requestWith(key))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const partner = await newReseller(key);
    expect(await auth.authenticate(requestWith(key))).toMatchObject({ partner: { id: partner.id } });
  });

  it('forgets a partner after a change to it, and shares one lookup between concurrent first requests', async () => {
    const auth = new Authenticator({ db, operatorApiKey: OPERATOR_KEY, cacheTtlMs: 30_000 });
    const key = newApiKey();
    const partner = await newReseller(key);
    const first = auth.authenticate(requestWith(key));
    const second = auth.authenticate(requestWith(key));
    const [a, b] = await Promise.all([first, second]);
    expect((a as { partner: Partner }).partner).toBe((b as { partner: Partner }).partner);

    await unlinkKey(partner.id);
    auth.forgetPartner(partner.id);
    await new Promise((resolve) => setImmediate(resolve));
    await expect(auth.authenticate(requestWith(key))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});

describe('through the API', () => {
  /** Two API processes on one database, as deployed: the operator's change goes through the first. */
  let first: TestEngine;
  let second: TestEngine;
  beforeAll(async () => {
    [first, second] = await Promise.all([startTestEngine({ runWorker: false }), startTestEngine({ runWorker: false })]);
  });
  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
  });

  it("GET /v1/partners/me shows the operator's change at once in every API process, though the key is kept", async () => {
    const reseller = await createTestPartner(first.request, { kind: 'reseller', name: 'Before' });
    for (const api of [first, second])
      expect((await api.request('GET', '/v1/partners/me', { key: reseller.apiKey })).body.name).toBe('Before');
    const patched = await first.request('PATCH', `/v1/partners/${reseller.id}`, {
      key: OPERATOR_KEY,
      body: { name: 'After', cspEnrolled: false },
    });
    expect(patched.status).toBe(200);
    for (const api of [first, second])
      expect((await api.request('GET', '/v1/partners/me', { key: reseller.apiKey })).body).toMatchObject({
        name: 'After',
        cspEnrolled: false,
      });
  });
});
