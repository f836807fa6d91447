import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger';
import { sha256 } from '../src/security/tokens';
import {
  createTestPartner,
  decodedHistoryText,
  historyText,
  linkIn,
  mailTo,
  startTestEngine,
  uniqueEmail,
  waitFor,
  type TestEngine,
  type TestPartner,
} from './support/harness';
import { invite } from './support/invitations';

let engine: TestEngine;
/** Every line the engine logs, at debug level, so the tests can search the logs for secrets. */
const logText: string[] = [];
beforeAll(async () => {
  engine = await startTestEngine({
    logger: createLogger('debug', { write: (chunk: string) => void logText.push(chunk) }),
  });
});
afterAll(async () => {
  await engine?.stop();
});

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  const result = (await engine.deps.db.execute(query)) as unknown as { rows?: T[] } & T[];
  return result.rows ?? result;
}

/** Every row of every table in the app's schema, as JSON text: what someone with a database dump would see. */
async function databaseDump(): Promise<string> {
  const tables = await rows<{ name: string }>(
    sql`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
  );
  const parts: string[] = [];
  for (const { name } of tables) {
    const dumped = await rows<{ row: string }>(sql`select row_to_json(t)::text as row from ${sql.identifier(name)} t`);
    parts.push(...dumped.map((r) => r.row));
  }
  return parts.join('\n');
}

describe('the link token is a secret', () => {
  it('is random (≥ 128 bits), and appears in neither workflow history, the logs nor the database in plaintext', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
    const { invitation, link, token } = await invite(engine, provider, reseller.email, { message: 'Hola' });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    // Resend and reminder paths handle the token too.
    expect(
      (await engine.request('POST', `/v1/invitations/${invitation.id}/resend`, { key: provider.apiKey })).status,
    ).toBe(200);

    const [stored] = await rows<{ token_hash: string; token_escrow: string | null; invitation: string }>(
      sql`select token_hash, token_escrow, row_to_json(t)::text as invitation from invitations t where id = ${invitation.id}`,
    );
    expect(stored!.token_hash).toBe(sha256(token));
    expect(stored!.token_escrow).toEqual(expect.any(String));
    expect(stored!.token_escrow).not.toContain(token);
    expect(stored!.invitation).not.toContain(token);
    const outbox = await rows<{ row: string }>(
      sql`select row_to_json(t)::text as row from mail_outbox t where recipient = ${reseller.email}`,
    );
    expect(outbox).toHaveLength(2);
    for (const { row } of outbox) expect(row).not.toContain(token);
    expect(await databaseDump()).not.toContain(token);

    expect((await engine.request('POST', `${link}/accept`, { body: { partnerId: reseller.partnerId } })).status).toBe(
      200,
    );
    // Not even encrypted: the decoded payloads (input, activity arguments and results, updates) lack it too.
    const decoded = await decodedHistoryText(engine, invitation.workflowId);
    expect(decoded).toContain(invitation.id);
    for (const history of [decoded, await historyText(engine, invitation.workflowId)]) {
      expect(history).not.toContain(token);
      expect(history).not.toContain(sha256(token));
      // Nor does any partner's API key travel through the workflow.
      expect(history).not.toContain(provider.apiKey);
    }
    // The logs (requests to the link, activities, workflow) carry neither the token nor the key.
    const logs = logText.join('');
    expect(logs).toContain(invitation.workflowId);
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(provider.apiKey);
    // Once answered, the escrow is dropped: nothing could rebuild the link.
    const [after] = await rows<{ token_escrow: string | null }>(
      sql`select token_escrow from invitations where id = ${invitation.id}`,
    );
    expect(after!.token_escrow).toBeNull();
    expect(await databaseDump()).not.toContain(token);
  });

  it('the invitation API never shows the token, its hash or its escrow', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const { invitation, token } = await invite(engine, provider, uniqueEmail(), { message: 'Hola' });
    const one = await engine.request('GET', `/v1/invitations/${invitation.id}`, { key: provider.apiKey });
    const list = await engine.request('GET', '/v1/invitations', { key: provider.apiKey });
    for (const reply of [one, list]) {
      expect(reply.text).not.toContain(token);
      expect(reply.text).not.toContain(sha256(token));
      expect(reply.text).not.toMatch(/tokenHash|tokenEscrow/);
    }
  });
});

describe('tenant isolation', () => {
  it("another provider's invitation answers 404 on read, resend and revoke, and is missing from its list", async () => {
    const owner = await createTestPartner(engine.request, { kind: 'provider' });
    const intruder = await createTestPartner(engine.request, { kind: 'provider' });
    const { invitation } = await invite(engine, owner, uniqueEmail(), { message: 'Hola' });

    for (const [method, path] of [
      ['GET', `/v1/invitations/${invitation.id}`],
      ['POST', `/v1/invitations/${invitation.id}/resend`],
      ['POST', `/v1/invitations/${invitation.id}/revoke`],
    ] as const) {
      const reply = await engine.request(method, path, { key: intruder.apiKey });
      expect(reply.status, `${method} ${path}`).toBe(404);
      expect(reply.body.error.code).toBe('NOT_FOUND');
    }
    const list = await engine.request('GET', '/v1/invitations', { key: intruder.apiKey });
    expect(list.body.items).toEqual([]);
    // The owner's invitation is untouched by those attempts.
    const mine = await engine.request('GET', `/v1/invitations/${invitation.id}`, { key: owner.apiKey });
    expect(mine.body).toMatchObject({ status: 'pending', linkSentCount: 1 });
  });

  it("another provider's partnership answers 404 on delete and is missing from lists of partners outside it", async () => {
    const owner = await createTestPartner(engine.request, { kind: 'provider' });
    const intruder = await createTestPartner(engine.request, { kind: 'provider' });
    const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
    const outsider = await createTestPartner(engine.request, { kind: 'reseller' });
    const { link } = await invite(engine, owner, reseller.email, { message: 'Hola' });
    const accepted = await engine.request('POST', `${link}/accept`, { body: { partnerId: reseller.partnerId } });
    const partnershipId = accepted.body.partnership.id;

    const removal = await engine.request('DELETE', `/v1/partnerships/${partnershipId}`, { key: intruder.apiKey });
    expect(removal.status).toBe(404);
    // The reseller side cannot end it either: removal is the provider's act.
    expect((await engine.request('DELETE', `/v1/partnerships/${partnershipId}`, { key: reseller.apiKey })).status).toBe(
      403,
    );
    for (const stranger of [intruder, outsider]) {
      const list = await engine.request('GET', '/v1/partnerships', { key: stranger.apiKey });
      expect(list.body.items).toEqual([]);
    }
    const stillActive = await engine.request('GET', '/v1/partnerships', { key: owner.apiKey });
    expect(stillActive.body.items).toEqual([expect.objectContaining({ id: partnershipId, status: 'active' })]);
  });
});
