import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPartner, linkIn, mailTo, OPERATOR_KEY, startTestEngine, uniqueEmail, uniquePartnerId, waitFor, type TestEngine, type TestPartner } from './support/harness';

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(async () => {
  await engine?.stop();
});

/** Invites the reseller and accepts through the emailed link; returns the partnership. */
async function partner(provider: TestPartner, reseller: TestPartner) {
  const invite = await engine.request('POST', '/v1/invitations', { key: provider.apiKey, body: { resellerEmail: reseller.email } });
  expect(invite.status).toBe(202);
  const mail = await waitFor(async () => (await mailTo(engine, reseller.email)).find((m) => m.text.includes('/invitations/')));
  const accepted = await engine.request('POST', `${linkIn(mail.text, '/invitations').pathname}/accept`, { body: { partnerId: reseller.partnerId } });
  expect(accepted.status).toBe(200);
  return accepted.body.partnership;
}

describe('partners', () => {
  it('the operator registers a partner and gets its API key once; the key then identifies the partner', async () => {
    const body = { kind: 'reseller', name: 'Contoso Reventa', email: uniqueEmail('contoso'), partnerId: uniquePartnerId(), country: 'ES', cspEnrolled: true };
    const created = await engine.request('POST', '/v1/partners', { key: OPERATOR_KEY, body });
    expect(created.status).toBe(201);
    expect(created.body.apiKey).toMatch(/^poe_[A-Za-z0-9_-]{40,}$/);
    expect(created.body.partner).toMatchObject({ ...body, profile: null });

    const me = await engine.request('GET', '/v1/partners/me', { key: created.body.apiKey });
    expect(me.status).toBe(200);
    expect(me.body).toEqual(created.body.partner);
  });

  it('a partnerId registered twice is a 409', async () => {
    const first = await createTestPartner(engine.request, { kind: 'provider' });
    const again = await engine.request('POST', '/v1/partners', {
      key: OPERATOR_KEY,
      body: { kind: 'provider', name: 'Copy', email: uniqueEmail(), partnerId: first.partnerId, country: 'ES' },
    });
    expect(again.status).toBe(409);
  });

  it("the operator changes a provider's public profile and it shows in the public directory", async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider', country: 'MX' });
    const patched = await engine.request('PATCH', `/v1/partners/${provider.id}`, { key: OPERATOR_KEY, body: { profile: 'Distribuidor mayorista en México' } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: provider.id, profile: 'Distribuidor mayorista en México' });

    const directory = await engine.request('GET', '/v1/providers');
    expect(directory.status).toBe(200);
    const listed = directory.body.items.find((p: { id: string }) => p.id === provider.id);
    expect(listed).toEqual({ id: provider.id, name: provider.name, partnerId: provider.partnerId, country: 'MX', profile: 'Distribuidor mayorista en México' });
    // The public directory lists providers only, and no contact data or keys.
    expect(directory.text).not.toContain(provider.email);
    expect(directory.text).not.toContain(provider.apiKey);
  });

  it("the operator changes a reseller's enrollment", async () => {
    const reseller = await createTestPartner(engine.request, { kind: 'reseller', cspEnrolled: false });
    const patched = await engine.request('PATCH', `/v1/partners/${reseller.id}`, { key: OPERATOR_KEY, body: { cspEnrolled: true } });
    expect(patched.body.cspEnrolled).toBe(true);
    expect((await engine.request('GET', '/v1/partners/me', { key: reseller.apiKey })).body.cspEnrolled).toBe(true);
  });

  it.each([
    ['an unknown partner', () => `/v1/partners/00000000-0000-4000-8000-000000000000`, { profile: 'x' }, 404],
    ['an empty change', (id: string) => `/v1/partners/${id}`, {}, 400],
    ['an unknown field', (id: string) => `/v1/partners/${id}`, { apiKeyHash: 'x' }, 400],
    ['cspEnrolled on a provider', (id: string) => `/v1/partners/${id}`, { cspEnrolled: true }, 422],
    ['a lower-case country', (id: string) => `/v1/partners/${id}`, { country: 'es' }, 400],
  ] as const)('PATCH with %s → %i', async (_name, path, body, status) => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const reply = await engine.request('PATCH', path(provider.id), { key: OPERATOR_KEY, body });
    expect(reply.status).toBe(status);
  });

  it('the catalog lists at least eight offers with their bounds, prices, billing cycle and terms', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const offers = await engine.request('GET', '/v1/offers', { key: provider.apiKey });
    expect(offers.status).toBe(200);
    expect(offers.body.items.length).toBeGreaterThanOrEqual(8);
    for (const offer of offers.body.items) {
      expect(offer).toEqual({
        id: expect.any(String),
        name: expect.any(String),
        minQuantity: expect.any(Number),
        maxQuantity: expect.any(Number),
        unitPrice: expect.any(Number),
        currency: expect.any(String),
        billingCycle: expect.stringMatching(/^(monthly|annual)$/),
        terms: expect.arrayContaining([{ term: expect.stringMatching(/^P(1M|1Y|3Y)$/), billingFrequencies: expect.any(Array) }]),
      });
      expect(offer.minQuantity).toBeLessThanOrEqual(offer.maxQuantity);
    }
  });
});

describe('partnerships', () => {
  it('appear on both sides with the contract shape', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
    const partnership = await partner(provider, reseller);
    const expected = {
      id: partnership.id,
      provider: { id: provider.id, name: provider.name, partnerId: provider.partnerId },
      reseller: { id: reseller.id, name: reseller.name, partnerId: reseller.partnerId },
      status: 'active',
      createdAt: expect.any(String),
    };
    expect((await engine.request('GET', '/v1/partnerships', { key: provider.apiKey })).body.items).toEqual([expect.objectContaining(expected)]);
    expect((await engine.request('GET', '/v1/partnerships', { key: reseller.apiKey })).body.items).toEqual([expect.objectContaining(expected)]);
  });

  it('DELETE ends a partnership: 200 {status: removed}, shown as removed, a second delete is 409, and the reseller can be invited again', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
    const partnership = await partner(provider, reseller);

    const removed = await engine.request('DELETE', `/v1/partnerships/${partnership.id}`, { key: provider.apiKey });
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ status: 'removed' });

    for (const key of [provider.apiKey, reseller.apiKey]) {
      const list = await engine.request('GET', '/v1/partnerships', { key });
      expect(list.body.items).toEqual([expect.objectContaining({ id: partnership.id, status: 'removed', removedAt: expect.any(String) })]);
    }
    const active = await engine.request('GET', '/v1/partnerships?status=active', { key: provider.apiKey });
    expect(active.body.items).toEqual([]);

    const again = await engine.request('DELETE', `/v1/partnerships/${partnership.id}`, { key: provider.apiKey });
    expect(again.status).toBe(409);

    const reinvite = await engine.request('POST', '/v1/invitations', { key: provider.apiKey, body: { resellerEmail: reseller.email } });
    expect(reinvite.status).toBe(202);
  });

  it('lists partnerships in pages', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const resellers = await Promise.all([0, 1, 2].map(() => createTestPartner(engine.request, { kind: 'reseller' })));
    for (const reseller of resellers) await partner(provider, reseller);
    const first = await engine.request('GET', '/v1/partnerships?limit=2', { key: provider.apiKey });
    expect(first.body.items).toHaveLength(2);
    const second = await engine.request('GET', `/v1/partnerships?limit=2&cursor=${first.body.nextCursor}`, { key: provider.apiKey });
    expect(second.body.items).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    const ids = [...first.body.items, ...second.body.items].map((p: { reseller: { id: string } }) => p.reseller.id).sort();
    expect(ids).toEqual(resellers.map((r) => r.id).sort());
  });
});
