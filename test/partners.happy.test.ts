import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Partnership } from './support/api-types';
import { apiClient } from './support/client';
import {
  createTestPartner,
  OPERATOR_KEY,
  startTestEngine,
  uniqueEmail,
  uniquePartnerId,
  type TestEngine,
} from './support/harness';
import { accept, invite, partneredByInvitation } from './support/invitations';

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(async () => {
  await engine?.stop();
});

describe('partners', () => {
  it('the operator registers a partner and gets its API key once; the key then identifies the partner', async () => {
    const body = {
      kind: 'reseller',
      name: 'Contoso Reventa',
      email: uniqueEmail('contoso'),
      partnerId: uniquePartnerId(),
      country: 'ES',
      cspEnrolled: true,
    };
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
    const patched = await engine.request('PATCH', `/v1/partners/${provider.id}`, {
      key: OPERATOR_KEY,
      body: { profile: 'Distribuidor mayorista en México' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: provider.id, profile: 'Distribuidor mayorista en México' });

    const directory = await engine.request('GET', '/v1/providers');
    expect(directory.status).toBe(200);
    const listed = directory.body.items.find((p: { id: string }) => p.id === provider.id);
    expect(listed).toEqual({
      id: provider.id,
      name: provider.name,
      partnerId: provider.partnerId,
      country: 'MX',
      profile: 'Distribuidor mayorista en México',
    });
    // The public directory lists providers only, and no contact data or keys.
    expect(directory.text).not.toContain(provider.email);
    expect(directory.text).not.toContain(provider.apiKey);
  });

  it("the operator changes a reseller's enrollment", async () => {
    const reseller = await createTestPartner(engine.request, { kind: 'reseller', cspEnrolled: false });
    const patched = await engine.request('PATCH', `/v1/partners/${reseller.id}`, {
      key: OPERATOR_KEY,
      body: { cspEnrolled: true },
    });
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
        terms: expect.arrayContaining([
          { term: expect.stringMatching(/^P(1M|1Y|3Y)$/), billingFrequencies: expect.any(Array) },
        ]),
      });
      expect(offer.minQuantity).toBeLessThanOrEqual(offer.maxQuantity);
    }
  });
});

describe('partnerships', () => {
  it('appear on both sides with the contract shape', async () => {
    const { provider, reseller, partnershipId, asProvider, asReseller } = await partneredByInvitation(engine);
    const expected = {
      id: partnershipId,
      provider: { id: provider.id, name: provider.name, partnerId: provider.partnerId },
      reseller: { id: reseller.id, name: reseller.name, partnerId: reseller.partnerId },
      status: 'active',
      createdAt: expect.any(String),
    };
    expect((await asProvider.get<Page<Partnership>>('/v1/partnerships')).body.items).toEqual([
      expect.objectContaining(expected),
    ]);
    expect((await asReseller.get<Page<Partnership>>('/v1/partnerships')).body.items).toEqual([
      expect.objectContaining(expected),
    ]);
  });

  it('DELETE ends a partnership: 200 {status: removed}, shown as removed, a second delete is 409, and the reseller can be invited again', async () => {
    const { reseller, partnershipId, asProvider, asReseller } = await partneredByInvitation(engine);

    const removed = await asProvider.delete(`/v1/partnerships/${partnershipId}`);
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ status: 'removed' });

    for (const side of [asProvider, asReseller]) {
      const list = await side.get<Page<Partnership>>('/v1/partnerships');
      expect(list.body.items).toEqual([
        expect.objectContaining({ id: partnershipId, status: 'removed', removedAt: expect.any(String) }),
      ]);
    }
    const active = await asProvider.get<Page<Partnership>>('/v1/partnerships?status=active');
    expect(active.body.items).toEqual([]);

    const again = await asProvider.delete(`/v1/partnerships/${partnershipId}`);
    expect(again.status).toBe(409);

    const reinvite = await asProvider.post('/v1/invitations', { resellerEmail: reseller.email });
    expect(reinvite.status).toBe(202);
  });

  it('lists partnerships in pages', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const asProvider = apiClient(engine.request, provider.apiKey);
    const resellers = await Promise.all([0, 1, 2].map(() => createTestPartner(engine.request, { kind: 'reseller' })));
    for (const reseller of resellers)
      await accept(engine, (await invite(engine, provider, reseller.email)).link, reseller);
    const first = await asProvider.get<Page<Partnership>>('/v1/partnerships?limit=2');
    expect(first.body.items).toHaveLength(2);
    const second = await asProvider.get<Page<Partnership>>(`/v1/partnerships?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    const ids = [...first.body.items, ...second.body.items].map((partnership) => partnership.reseller.id).sort();
    expect(ids).toEqual(resellers.map((r) => r.id).sort());
  });
});
