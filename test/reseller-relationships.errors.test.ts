import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActiveCustomer, customerRow, partneredPair, type FixtureCustomer } from './support/fixtures';
import {
  createTestPartner,
  linkIn,
  mailTo,
  startTestEngine,
  waitFor,
  type TestEngine,
  type TestPartner,
} from './support/harness';

let engine: TestEngine;
let provider: TestPartner;
let reseller: TestPartner;
let unpartnered: TestPartner;
let otherProvider: TestPartner;
let customer: FixtureCustomer;
let managed: FixtureCustomer;
let othersCustomer: FixtureCustomer;

beforeAll(async () => {
  engine = await startTestEngine();
  ({ provider, reseller } = await partneredPair(engine));
  unpartnered = await createTestPartner(engine.request, { kind: 'reseller' });
  otherProvider = await createTestPartner(engine.request, { kind: 'provider' });
  customer = await createActiveCustomer(engine, { providerId: provider.id });
  managed = await createActiveCustomer(engine, { providerId: provider.id, resellerId: reseller.id });
  othersCustomer = await createActiveCustomer(engine, { providerId: otherProvider.id });
});
afterAll(async () => {
  await engine?.stop();
});

async function start(target: FixtureCustomer, resellerId: string) {
  const reply = await engine.request('POST', `/v1/customers/${target.id}/reseller-relationships`, {
    key: provider.apiKey,
    body: { resellerId },
  });
  expect(reply.status).toBe(202);
  const messages = await waitFor(async () => {
    const found = (await mailTo(engine, target.contactEmail)).filter((m) => m.text.includes('reseller-relationships/'));
    return found.length > 0 && found;
  });
  return { relationship: reply.body, link: linkIn(messages[0]!.text, '/reseller-relationships').pathname };
}

type Case = {
  name: string;
  path?: () => string;
  key?: () => string | undefined;
  body?: () => unknown;
  status: number;
  code: string;
};
const cases: Case[] = [
  {
    name: 'the customer is already managed by that reseller',
    path: () => `/v1/customers/${managed.id}/reseller-relationships`,
    body: () => ({ resellerId: reseller.id }),
    status: 409,
    code: 'ALREADY_MANAGED',
  },
  {
    name: 'the reseller is not in an active partnership',
    body: () => ({ resellerId: unpartnered.id }),
    status: 422,
    code: 'PARTNERSHIP_NOT_ACTIVE',
  },
  { name: 'no such reseller', body: () => ({ resellerId: randomUUID() }), status: 422, code: 'RESELLER_NOT_FOUND' },
  {
    name: 'the id names a provider',
    body: () => ({ resellerId: otherProvider.id }),
    status: 422,
    code: 'RESELLER_NOT_FOUND',
  },
  {
    name: 'resellerId not a UUID',
    body: () => ({ resellerId: reseller.partnerId }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  { name: 'resellerId missing', body: () => ({}), status: 400, code: 'VALIDATION_FAILED' },
  {
    name: "another provider's customer",
    path: () => `/v1/customers/${othersCustomer.id}/reseller-relationships`,
    body: () => ({ resellerId: reseller.id }),
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    name: 'asked by a reseller',
    key: () => reseller.apiKey,
    body: () => ({ resellerId: reseller.id }),
    status: 403,
    code: 'FORBIDDEN',
  },
  {
    name: 'no API key',
    key: () => undefined,
    body: () => ({ resellerId: reseller.id }),
    status: 401,
    code: 'UNAUTHENTICATED',
  },
];

describe('reseller relationship requests refused', () => {
  it.each(cases)('$name → $status $code', async (c) => {
    const path = c.path ? c.path() : `/v1/customers/${customer.id}/reseller-relationships`;
    const reply = await engine.request('POST', path, { key: c.key ? c.key() : provider.apiKey, body: c.body?.() });
    expect(reply.status).toBe(c.status);
    expect(reply.body.error).toMatchObject({ code: c.code, requestId: reply.headers.get('x-request-id') });
  });
});

describe('reseller relationship links refused', () => {
  it('answers an unknown or malformed token with 404 / 400, in HTML for the page', async () => {
    const unknown = await engine.request('GET', `/reseller-relationships/${'x'.repeat(43)}`);
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('not found');
    expect((await engine.request('POST', `/reseller-relationships/${'x'.repeat(43)}/accept`)).status).toBe(404);
    expect((await engine.request('POST', '/reseller-relationships/short/accept')).status).toBe(400);
  });

  it('refuses a second answer once accepted (409) and keeps the first', async () => {
    const target = await createActiveCustomer(engine, { providerId: provider.id });
    const { link } = await start(target, reseller.id);
    expect((await engine.request('POST', `${link}/accept`)).status).toBe(200);
    for (const verb of ['accept', 'decline']) {
      const reply = await engine.request('POST', `${link}/${verb}`);
      expect(reply.status).toBe(409);
      expect(reply.body.error.code).toBe('RELATIONSHIP_NOT_PENDING');
    }
    expect((await customerRow(engine, target.id)).resellerId).toBe(reseller.id);
  });

  it('answers 410 on the page and on accept after the provider revoked the request, and 409 when revoking twice', async () => {
    const target = await createActiveCustomer(engine, { providerId: provider.id });
    const { relationship, link } = await start(target, reseller.id);
    const revoked = await engine.request('POST', `/v1/reseller-relationships/${relationship.id}/revoke`, {
      key: provider.apiKey,
    });
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe('revoked');
    expect((await engine.request('GET', link)).status).toBe(410);
    const accept = await engine.request('POST', `${link}/accept`);
    expect(accept.status).toBe(410);
    expect(accept.body.error.code).toBe('RELATIONSHIP_REVOKED');
    expect(
      (await engine.request('POST', `/v1/reseller-relationships/${relationship.id}/revoke`, { key: provider.apiKey }))
        .status,
    ).toBe(409);
    expect((await customerRow(engine, target.id)).resellerId).toBeNull();
  });

  it('refuses acceptance (422) when the partnership was removed after the request, and leaves the customer as it was', async () => {
    const pair = await partneredPair(engine);
    const target = await createActiveCustomer(engine, { providerId: pair.provider.id });
    const reply = await engine.request('POST', `/v1/customers/${target.id}/reseller-relationships`, {
      key: pair.provider.apiKey,
      body: { resellerId: pair.reseller.id },
    });
    expect(reply.status).toBe(202);
    const [mail] = await waitFor(async () => {
      const found = await mailTo(engine, target.contactEmail);
      return found.length > 0 && found;
    });
    const link = linkIn(mail!.text, '/reseller-relationships').pathname;
    expect(
      (await engine.request('DELETE', `/v1/partnerships/${pair.partnershipId}`, { key: pair.provider.apiKey })).status,
    ).toBe(200);
    const accept = await engine.request('POST', `${link}/accept`);
    expect(accept.status).toBe(422);
    expect(accept.body.error.code).toBe('PARTNERSHIP_NOT_ACTIVE');
    expect((await customerRow(engine, target.id)).resellerId).toBeNull();
  });

  it('hides a request from other partners (404)', async () => {
    const target = await createActiveCustomer(engine, { providerId: provider.id });
    const { relationship } = await start(target, reseller.id);
    for (const key of [otherProvider.apiKey, unpartnered.apiKey]) {
      expect((await engine.request('GET', `/v1/reseller-relationships/${relationship.id}`, { key })).status).toBe(404);
    }
    // The reseller it names may read it but not revoke it.
    expect(
      (await engine.request('GET', `/v1/reseller-relationships/${relationship.id}`, { key: reseller.apiKey })).status,
    ).toBe(200);
    expect(
      (await engine.request('POST', `/v1/reseller-relationships/${relationship.id}/revoke`, { key: reseller.apiKey }))
        .status,
    ).toBe(403);
  });
});
