import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActiveCustomer, partneredPair, type FixtureCustomer } from './support/fixtures';
import { createTestPartner, startTestEngine, type TestEngine, type TestPartner } from './support/harness';

let engine: TestEngine;
let provider: TestPartner;
let reseller: TestPartner;
let otherReseller: TestPartner;
let otherProvider: TestPartner;
let customer: FixtureCustomer;

beforeAll(async () => {
  engine = await startTestEngine();
  ({ provider, reseller } = await partneredPair(engine));
  // Partnered with the same provider, but not managing this customer.
  ({ reseller: otherReseller } = await partneredPair(engine));
  otherProvider = await createTestPartner(engine.request, { kind: 'provider' });
  customer = await createActiveCustomer(engine, { providerId: provider.id, resellerId: reseller.id });
});
afterAll(async () => {
  await engine?.stop();
});

type Case = {
  name: string;
  query?: string;
  path?: () => string;
  key?: () => string | undefined;
  status: number;
  code: string;
};
const cases: Case[] = [
  { name: "another provider's key", key: () => otherProvider.apiKey, status: 404, code: 'NOT_FOUND' },
  { name: 'a reseller not managing the customer', key: () => otherReseller.apiKey, status: 404, code: 'NOT_FOUND' },
  { name: 'an unknown customer', path: () => `/v1/customers/${randomUUID()}/events`, status: 404, code: 'NOT_FOUND' },
  {
    name: 'a customer id that is not a UUID',
    path: () => '/v1/customers/1/events',
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  { name: 'a cursor this API did not issue', query: '?cursor=eyJpZCI6MX0', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'limit 0', query: '?limit=0', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'limit above 200', query: '?limit=201', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'limit not a number', query: '?limit=ten', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'an unknown query parameter', query: '?actor=workflow', status: 400, code: 'VALIDATION_FAILED' },
  { name: 'no API key', key: () => undefined, status: 401, code: 'UNAUTHENTICATED' },
  { name: 'a wrong API key', key: () => 'poe_not-a-real-key-at-all', status: 401, code: 'UNAUTHENTICATED' },
];

describe('customer audit trail refused', () => {
  it.each(cases)('$name → $status $code', async (c) => {
    const path = (c.path ? c.path() : `/v1/customers/${customer.id}/events`) + (c.query ?? '');
    const reply = await engine.request('GET', path, { key: c.key ? c.key() : provider.apiKey });
    expect(reply.status).toBe(c.status);
    expect(reply.body.error).toMatchObject({ code: c.code, requestId: reply.headers.get('x-request-id') });
  });
});
