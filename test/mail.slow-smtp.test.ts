import net from 'node:net';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { mailOutbox } from '../src/db/schema';
import { createTestPartner, startTestEngine, testDatabase, waitFor, type TestEngine } from './support/harness';
import { invite } from './support/invitations';
import { freePort } from './support/ports';
import { startSmtpSink } from './support/smtp';

/**
 * A slow or stalled mail server delays mail; it does not hold up the answers people wait for. The
 * reseller's accept and the provider's resend answer once their mail is queued, and every wait on the
 * server is bounded by SMTP_TIMEOUT. Against real SMTP servers on loopback: one that holds its
 * replies, one that accepts connections and never speaks.
 */

// Run in order: engines first, so that a mail server does not wait on their kept connections to close.
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup().catch(() => {});
});

/** A provider's invitation to a registered reseller, its link queued (see invite). */
async function invitedReseller(engine: TestEngine) {
  const provider = await createTestPartner(engine.request, { kind: 'provider' });
  const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
  return { provider, reseller, ...(await invite(engine, provider, reseller.email)) };
}

const outboxTo = async (recipient: string) => {
  const { db } = await testDatabase();
  return db.select().from(mailOutbox).where(eq(mailOutbox.recipient, recipient));
};

describe('mail while the SMTP server is slow', () => {
  it('answers a resend and an accept while the server holds their mail, and sends each mail once it lets go', async () => {
    const port = await freePort();
    const server = await startSmtpSink(port);
    // Before, the accept waited on the provider's notice until this bound, then answered 503.
    const engine = await startTestEngine({ env: { SMTP_URL: `smtp://127.0.0.1:${port}`, API_ANSWER_TIMEOUT: '3s' } });
    cleanups.push(() => engine.stop(), server.close);
    const { provider, reseller, invitation, link } = await invitedReseller(engine);
    await waitFor(async () => (await outboxTo(reseller.email)).some((row) => row.sentAt !== null), {
      what: 'the first link sent',
    });

    const release = server.hold();
    const resent = await engine.request('POST', `/v1/invitations/${invitation.id}/resend`, { key: provider.apiKey });
    expect(resent.status, resent.text).toBe(200);
    const accepted = await engine.request('POST', `${link}/accept`, { body: { partnerId: reseller.partnerId } });
    expect(accepted.status, accepted.text).toBe(200);
    // Both answered while the server still held their mail: queued, not sent.
    const queued = [...(await outboxTo(reseller.email)), ...(await outboxTo(provider.email))];
    expect(queued).toHaveLength(3);
    expect(queued.filter((row) => row.sentAt === null)).toHaveLength(2);

    release();
    await waitFor(
      async () =>
        [...(await outboxTo(reseller.email)), ...(await outboxTo(provider.email))].every((row) => row.sentAt !== null),
      { what: 'the second link and the notice sent' },
    );
    const mine = server.received
      .map((message) => message.to)
      .filter((to) => [reseller.email, provider.email].includes(to));
    expect(mine.sort()).toEqual([provider.email, reseller.email, reseller.email].sort());
  });

  it('gives up on a server that never answers after SMTP_TIMEOUT, leaving the mail to the relay', async () => {
    const port = await freePort();
    const sockets = new Set<net.Socket>();
    // Takes connections and says nothing: no greeting, ever.
    const silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    const engine = await startTestEngine({
      env: { SMTP_URL: `smtp://127.0.0.1:${port}`, SMTP_TIMEOUT: '500ms', API_ANSWER_TIMEOUT: '3s' },
    });
    cleanups.push(
      () => engine.stop(),
      async () => {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => silent.close(() => resolve()));
      },
    );
    const { reseller, link } = await invitedReseller(engine);

    // nodemailer's own bound on the greeting is 30 s; SMTP_TIMEOUT ends the wait well within this probe's 10 s.
    const [failed] = await waitFor(
      async () => {
        const rows = await outboxTo(reseller.email);
        return rows.length === 1 && rows[0]!.attempts >= 1 && rows;
      },
      { what: "the link's send given up", timeoutMs: 10_000 },
    );
    expect(failed!.sentAt).toBeNull();
    expect(failed!.lastError).toMatch(/greeting|timeout/i);

    // The invitation went on regardless: its link works.
    const accepted = await engine.request('POST', `${link}/accept`, { body: { partnerId: reseller.partnerId } });
    expect(accepted.status, accepted.text).toBe(200);
  });
});
