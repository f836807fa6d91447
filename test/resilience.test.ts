import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { openDatabase, type DbHandle } from '../src/db/client';
import { createTestPartner, linkIn, mailTo, startTestEngine, waitFor, type TestEngine } from './support/harness';
import { startOwnTemporal, topologies, topologyTitle } from './support/topologies';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

async function inviteAndReadLink(engine: TestEngine) {
  const provider = await createTestPartner(engine.request, { kind: 'provider' });
  const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
  const invite = await engine.request('POST', '/v1/invitations', {
    key: provider.apiKey,
    body: { resellerEmail: reseller.email },
  });
  expect(invite.status).toBe(202);
  const mail = await waitFor(async () => (await mailTo(engine, reseller.email))[0], { what: 'the invitation mail' });
  const link = linkIn(mail.text, '/invitations');
  // The reseller's accept as a client that retries sends it: one Idempotency-Key for every attempt.
  // An attempt cut off while a dependency comes back may still go through; a keyless retry then meets
  // it and is refused (409), as the contract says.
  const key = `accept-${randomUUID()}`;
  const accept = () =>
    engine.request('POST', `${link.pathname}/accept`, {
      body: { partnerId: reseller.partnerId },
      headers: { 'idempotency-key': key },
    });
  return { provider, reseller, invitationId: invite.body.id as string, link, accept };
}

/** "Not now": 503, or the key's lease still held by an earlier attempt (409 IDEMPOTENCY_KEY_IN_USE); both carry Retry-After. */
const askAgain = (reply: { status: number; body: any }) =>
  reply.status === 503 || (reply.status === 409 && reply.body?.error?.code === 'IDEMPOTENCY_KEY_IN_USE');

async function partnershipCount(engine: TestEngine, providerId: string): Promise<number> {
  const rows = await engine.deps.db.execute<{ count: string }>(
    sql`select count(*)::text as count from partnerships where provider_id = ${providerId}`,
  );
  return Number(
    (rows as unknown as Array<{ count: string }>)[0]?.count ??
      (rows as unknown as { rows: Array<{ count: string }> }).rows[0]?.count,
  );
}

describe.each(topologies())('$name', (topology) => {
  describe.skipIf(Boolean(topology.skip))(topologyTitle('surviving a restarted Temporal server', topology), () => {
    it('answers 503 while Temporal is down, then completes the pending invitation exactly once after it restarts', async () => {
      const directory = mkdtempSync(path.join(os.tmpdir(), 'poe-temporal-'));
      const server = await startOwnTemporal(topology.kind, path.join(directory, 'temporal.sqlite'));
      cleanups.push(async () => {
        await server.close();
        rmSync(directory, { recursive: true, force: true });
      });

      const engine = await startTestEngine({ env: { TEMPORAL_ADDRESS: server.address } });
      cleanups.push(() => engine.stop());
      const { provider, invitationId, accept } = await inviteAndReadLink(engine);

      await server.stopServer();
      const duringOutage = await accept();
      expect(duringOutage.status).toBe(503);
      expect(duringOutage.body.error.code).toBe('UNAVAILABLE');
      expect((await engine.request('GET', '/readyz')).status).toBe(503);

      await server.startServer();
      await waitFor(async () => (await engine.request('GET', '/readyz')).status === 200, {
        timeoutMs: 60_000,
        what: 'readiness after the restart',
      });
      const accepted = await waitFor(
        async () => {
          const reply = await accept();
          return askAgain(reply) ? undefined : reply;
        },
        { timeoutMs: 60_000, what: 'the accept to go through' },
      );
      expect(accepted.status, accepted.text).toBe(200);
      expect(
        (await engine.request('GET', `/v1/invitations/${invitationId}`, { key: provider.apiKey })).body.status,
      ).toBe('accepted');
      expect(await partnershipCount(engine, provider.id)).toBe(1);
    });
  });

  describe.skipIf(Boolean(topology.skip))(topologyTitle('surviving dropped database connections', topology), () => {
    it("reconnects after Postgres terminates every one of the engine's connections, and nothing is created twice", async (context) => {
      const databaseUrl = inject('databaseUrl');
      if (!databaseUrl) context.skip(); // PGlite runs in-process: there is no server connection to drop.
      const applicationName = `resilience-${randomUUID()}`;
      const database: DbHandle = await openDatabase({
        databaseUrl,
        dataDir: os.tmpdir(),
        maxConnections: 5,
        applicationName,
      });
      cleanups.push(() => database.close());
      const engine = await startTestEngine({ database, env: { TEMPORAL_ADDRESS: topology.temporalAddress } });
      cleanups.push(() => engine.stop());
      const { provider, invitationId, accept } = await inviteAndReadLink(engine);

      // What a Postgres restart looks like from the application: every connection closed under it,
      // with the reseller's first accept on its way.
      const admin = await openDatabase({
        databaseUrl,
        dataDir: os.tmpdir(),
        maxConnections: 1,
        applicationName: 'resilience-admin',
      });
      const inFlight = accept();
      const terminated = await admin.db.execute(
        sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = ${applicationName}`,
      );
      await admin.close();
      expect((terminated as unknown as unknown[]).length).toBeGreaterThan(0);
      const first = await inFlight;
      // A 500's reply text carries the engine's logged cause (a CI run met one: EPIPE).
      expect([200, 503], first.text).toContain(first.status);

      const accepted = await waitFor(
        async () => {
          const reply = await accept();
          return askAgain(reply) ? undefined : reply;
        },
        { timeoutMs: 30_000, what: 'the accept to go through' },
      );
      expect(accepted.status, accepted.text).toBe(200);
      expect(engine.unhandledErrors).toEqual([]);
      expect(
        (await engine.request('GET', `/v1/invitations/${invitationId}`, { key: provider.apiKey })).body.status,
      ).toBe('accepted');
      expect(await partnershipCount(engine, provider.id)).toBe(1);
    });
  });
});
