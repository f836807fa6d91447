import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPartner, startTestEngine, type TestEngine, type TestPartner } from './harness';

let engine: TestEngine;
let provider: TestPartner;
let other: TestPartner;
beforeAll(async () => {
  engine = await startTestEngine({ env: { API_RATE_LIMIT_PER_MINUTE: '6' } });
  // Two partners created by the operator: two of its six requests this minute.
  provider = await createTestPartner(engine.request, { kind: 'provider' });
  other = await createTestPartner(engine.request, { kind: 'provider' });
});
afterAll(async () => {
  await engine?.stop();
});

describe('API rate limit', () => {
  it('answers 429 in the error shape once a key exceeds its requests per minute, without affecting other keys', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await engine.request('GET', '/v1/partners/me', { key: provider.apiKey })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    const limited = await engine.request('GET', '/v1/partners/me', { key: provider.apiKey });
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatchObject({ code: 'RATE_LIMITED', requestId: limited.headers.get('x-request-id') });
    expect(limited.headers.get('ratelimit-policy')).toContain('6');

    expect((await engine.request('GET', '/v1/partners/me', { key: other.apiKey })).status).toBe(200);
    // Health checks are outside /v1 and never limited.
    expect((await engine.request('GET', '/healthz')).status).toBe(200);
  });
});
