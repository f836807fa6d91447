import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../src/security/tokens';
import { createTestPartner, OPERATOR_KEY, startTestEngine, type TestEngine } from './support/harness';

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(async () => {
  await engine?.stop();
});

describe('partner API keys', () => {
  it('are stored only as a hash, and no response shows the key or its hash again', async () => {
    const partner = await createTestPartner(engine.request, { kind: 'provider' });
    const result = (await engine.deps.db.execute(
      sql`select api_key_hash, row_to_json(t)::text as row from partners t where id = ${partner.id}`,
    )) as unknown as { rows?: { api_key_hash: string; row: string }[] } & { api_key_hash: string; row: string }[];
    const [stored] = result.rows ?? result;
    expect(stored!.api_key_hash).toBe(sha256(partner.apiKey));
    expect(stored!.row).not.toContain(partner.apiKey);

    const me = await engine.request('GET', '/v1/partners/me', { key: partner.apiKey });
    const patched = await engine.request('PATCH', `/v1/partners/${partner.id}`, {
      key: OPERATOR_KEY,
      body: { profile: 'p' },
    });
    const directory = await engine.request('GET', '/v1/providers');
    for (const reply of [me, patched, directory]) {
      expect(reply.status).toBe(200);
      expect(reply.text).not.toContain(partner.apiKey);
      expect(reply.text).not.toContain(stored!.api_key_hash);
      expect(reply.text).not.toMatch(/apiKeyHash|api_key_hash/);
    }
  });

  it('each partner gets its own key; the hash of one never opens another', async () => {
    const [a, b] = await Promise.all([
      createTestPartner(engine.request, { kind: 'provider' }),
      createTestPartner(engine.request, { kind: 'reseller' }),
    ]);
    expect(a.apiKey).not.toBe(b.apiKey);
    expect((await engine.request('GET', '/v1/partners/me', { key: a.apiKey })).body.id).toBe(a.id);
    expect((await engine.request('GET', '/v1/partners/me', { key: b.apiKey })).body.id).toBe(b.id);
    expect((await engine.request('GET', '/v1/partners/me', { key: sha256(a.apiKey) })).status).toBe(401);
  });
});
