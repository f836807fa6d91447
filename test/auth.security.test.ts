import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestPartner,
  OPERATOR_KEY,
  startTestEngine,
  uniquePartnerId,
  type TestEngine,
  type TestPartner,
} from './support/harness';

let engine: TestEngine;
let provider: TestPartner;
let reseller: TestPartner;
beforeAll(async () => {
  engine = await startTestEngine();
  [provider, reseller] = await Promise.all([
    createTestPartner(engine.request, { kind: 'provider' }),
    createTestPartner(engine.request, { kind: 'reseller' }),
  ]);
});
afterAll(async () => {
  await engine?.stop();
});

const someId = randomUUID();
const newPartnerBody = () => ({
  kind: 'reseller',
  name: 'R',
  email: 'r@example.test',
  partnerId: uniquePartnerId(),
  country: 'ES',
});

/** Every endpoint behind a key, with a body that would otherwise be valid. */
const protectedEndpoints: { method: string; path: string; body?: () => unknown }[] = [
  { method: 'POST', path: '/v1/partners', body: newPartnerBody },
  { method: 'GET', path: '/v1/partners/me' },
  { method: 'PATCH', path: `/v1/partners/${someId}`, body: () => ({ profile: 'x' }) },
  { method: 'GET', path: '/v1/offers' },
  { method: 'POST', path: '/v1/invitations', body: () => ({ resellerEmail: 'someone@example.test' }) },
  { method: 'GET', path: '/v1/invitations' },
  { method: 'GET', path: `/v1/invitations/${someId}` },
  { method: 'POST', path: `/v1/invitations/${someId}/resend` },
  { method: 'POST', path: `/v1/invitations/${someId}/revoke` },
  { method: 'GET', path: '/v1/partnerships' },
  { method: 'DELETE', path: `/v1/partnerships/${someId}` },
];

const badCredentials: { name: string; headers: Record<string, string> }[] = [
  { name: 'no Authorization header', headers: {} },
  { name: 'an unknown key', headers: { authorization: 'Bearer poe_thisKeyWasNeverIssuedToAnyone000000' } },
  { name: 'a too-short key', headers: { authorization: 'Bearer abc' } },
  {
    name: 'a Basic scheme',
    headers: { authorization: `Basic ${Buffer.from(`x:${OPERATOR_KEY}`).toString('base64')}` },
  },
  { name: 'the operator key with a suffix', headers: { authorization: `Bearer ${OPERATOR_KEY}x` } },
];

describe('authentication: no key or a bad key is 401', () => {
  const cases = protectedEndpoints.flatMap((endpoint) =>
    badCredentials.map((credential) => ({ ...endpoint, credential })),
  );
  it.each(cases)('$method $path with $credential.name → 401', async ({ method, path, body, credential }) => {
    const reply = await engine.request(method, path, { body: body?.(), headers: credential.headers });
    expect(reply.status).toBe(401);
    expect(reply.body.error).toMatchObject({ code: 'UNAUTHENTICATED', requestId: reply.headers.get('x-request-id') });
  });

  it('the 401 is answered before the body is validated, so nothing about the input leaks', async () => {
    const reply = await engine.request('POST', '/v1/invitations', { body: { nonsense: true } });
    expect(reply.status).toBe(401);
  });
});

type RoleCase = { method: string; path: string; role: 'operator' | 'provider' | 'reseller'; body?: () => unknown };

const refusedRoles: RoleCase[] = [
  // Operator-only endpoints refuse partner keys.
  { method: 'POST', path: '/v1/partners', role: 'provider', body: newPartnerBody },
  { method: 'POST', path: '/v1/partners', role: 'reseller', body: newPartnerBody },
  { method: 'PATCH', path: `/v1/partners/${someId}`, role: 'provider', body: () => ({ profile: 'x' }) },
  { method: 'PATCH', path: `/v1/partners/${someId}`, role: 'reseller', body: () => ({ profile: 'x' }) },
  // Provider endpoints refuse reseller (and operator) keys.
  {
    method: 'POST',
    path: '/v1/invitations',
    role: 'reseller',
    body: () => ({ resellerEmail: 'someone@example.test' }),
  },
  { method: 'GET', path: '/v1/invitations', role: 'reseller' },
  { method: 'GET', path: `/v1/invitations/${someId}`, role: 'reseller' },
  { method: 'POST', path: `/v1/invitations/${someId}/resend`, role: 'reseller' },
  { method: 'POST', path: `/v1/invitations/${someId}/revoke`, role: 'reseller' },
  { method: 'DELETE', path: `/v1/partnerships/${someId}`, role: 'reseller' },
  {
    method: 'POST',
    path: '/v1/invitations',
    role: 'operator',
    body: () => ({ resellerEmail: 'someone@example.test' }),
  },
  // The operator is not a partner.
  { method: 'GET', path: '/v1/partners/me', role: 'operator' },
  { method: 'GET', path: '/v1/partnerships', role: 'operator' },
];

describe('authorisation: a role not allowed is 403', () => {
  it.each(refusedRoles)('$method $path with a $role key → 403', async ({ method, path, role, body }) => {
    const key = role === 'operator' ? OPERATOR_KEY : role === 'provider' ? provider.apiKey : reseller.apiKey;
    const reply = await engine.request(method, path, { key, body: body?.() });
    expect(reply.status).toBe(403);
    expect(reply.body.error.code).toBe('FORBIDDEN');
  });

  it('a partner key cannot create a partner: nothing is written', async () => {
    const partnerId = uniquePartnerId();
    await engine.request('POST', '/v1/partners', {
      key: provider.apiKey,
      body: { ...newPartnerBody(), partnerId, kind: 'provider' },
    });
    const directory = await engine.request('GET', '/v1/providers');
    expect(directory.body.items.map((p: { partnerId: string }) => p.partnerId)).not.toContain(partnerId);
  });

  it('a partner key cannot change its own profile or enrollment', async () => {
    const own = await engine.request('PATCH', `/v1/partners/${reseller.id}`, {
      key: reseller.apiKey,
      body: { cspEnrolled: false },
    });
    expect(own.status).toBe(403);
    const me = await engine.request('GET', '/v1/partners/me', { key: reseller.apiKey });
    expect(me.body.cspEnrolled).toBe(true);
  });
});

describe('public endpoints need no key', () => {
  it.each(['/v1/providers', '/healthz'])('GET %s answers 200 without a key', async (path) => {
    const reply = await engine.request('GET', path);
    expect(reply.status).toBe(200);
  });
});
