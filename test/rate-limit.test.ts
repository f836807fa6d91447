import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPartner, startTestEngine, type TestEngine, type TestPartner } from './support/harness';

let engine: TestEngine;
let provider: TestPartner;
let other: TestPartner;
beforeAll(async () => {
  engine = await startTestEngine({ env: { API_RATE_LIMIT_PER_MINUTE: '6', LINK_RATE_LIMIT_PER_MINUTE: '3' } });
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
    for (let i = 0; i < 6; i++)
      statuses.push((await engine.request('GET', '/v1/partners/me', { key: provider.apiKey })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    const limited = await engine.request('GET', '/v1/partners/me', { key: provider.apiKey });
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatchObject({ code: 'RATE_LIMITED', requestId: limited.headers.get('x-request-id') });
    expect(limited.headers.get('ratelimit-policy')).toContain('6');

    expect((await engine.request('GET', '/v1/partners/me', { key: other.apiKey })).status).toBe(200);
    // Health checks are outside /v1 and never limited.
    expect((await engine.request('GET', '/healthz')).status).toBe(200);
  });

  it('answers a browser over the link limit with a page in its language that says to wait, and an API client with JSON', async () => {
    const page = `/invitations/${'x'.repeat(43)}`;
    for (let i = 0; i < 3; i++) expect((await engine.request('GET', page)).status).toBe(404);
    const browser = await engine.request('GET', page, {
      headers: { accept: 'text/html', 'accept-language': 'es-ES,es;q=0.9' },
    });
    expect(browser.status).toBe(429);
    expect(browser.headers.get('content-type')).toContain('text/html');
    expect(browser.text).toContain('<html lang="es"');
    expect(browser.text).toContain('Espere un minuto');
    const client = await engine.request('GET', page);
    expect(client.status).toBe(429);
    expect(client.body.error.code).toBe('RATE_LIMITED');
  });
});
