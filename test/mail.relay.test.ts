import { randomUUID } from 'node:crypto';
import { inArray } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { mailOutbox } from '../src/db/schema';
import { createLogger } from '../src/logger';
import { createMailer } from '../src/mail/mailer';
import { createKeyRing } from '../src/security/cipher';
import {
  createTestPartner,
  ENCRYPTION_KEY,
  linkIn,
  mailTo,
  startTestEngine,
  testDatabase,
  waitFor,
} from './support/harness';
import { freePort } from './support/ports';
import { startSmtpSink } from './support/smtp';

/**
 * An SMTP outage delays mail; it does not hold up the steps that write it. A send that fails is
 * counted in the outbox, and the mail relay in the worker sends it once the server is back, once.
 * Against a real SMTP server on loopback, absent at first (connections refused).
 */

// Run in order: clients first, so that an SMTP server does not wait on their kept connections to close.
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup().catch(() => {});
});

describe('mail while the SMTP server is down', () => {
  it('lets the invitation be accepted at once, then the relay sends both mails once the server is back', async () => {
    const port = await freePort();
    const engine = await startTestEngine({
      env: {
        SMTP_URL: `smtp://127.0.0.1:${port}`,
        MAIL_RELAY_INTERVAL: '100ms',
        MAIL_RETRY_SCHEDULE: '300ms',
        // Without the relay the accept waits on the provider's notice until this bound, then answers 503.
        API_ANSWER_TIMEOUT: '5s',
      },
    });
    cleanups.push(() => engine.stop().catch(() => {}));
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const reseller = await createTestPartner(engine.request, { kind: 'reseller' });

    const invited = await engine.request('POST', '/v1/invitations', {
      key: provider.apiKey,
      body: { resellerEmail: reseller.email },
    });
    expect(invited.status, invited.text).toBe(202);
    // The link is in the outbox, unsent: the reseller's mail server would get it later.
    const mail = await waitFor(async () => (await mailTo(engine, reseller.email))[0], { what: 'the queued link' });
    expect(mail.sentAt).toBeNull();

    const accepted = await engine.request('POST', `${linkIn(mail.text, '/invitations').pathname}/accept`, {
      body: { partnerId: reseller.partnerId },
    });
    expect(accepted.status, accepted.text).toBe(200);

    const { db } = await testDatabase();
    const rows = () =>
      db
        .select()
        .from(mailOutbox)
        .where(inArray(mailOutbox.recipient, [reseller.email, provider.email]));
    const failed = await waitFor(
      async () => {
        const all = await rows();
        return all.length === 2 && all.every((row) => row.attempts >= 1) && all;
      },
      { what: 'both mails counted as failed sends' },
    );
    for (const row of failed) {
      expect(row.sentAt).toBeNull();
      expect(row.lastError).toMatch(/ECONNREFUSED|connect/i);
    }
    // What an operator alerts on (other test files' mail may be waiting too: at least ours).
    const gauge = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    const metrics = (await engine.request('GET', '/metrics')).text;
    expect(gauge(metrics, 'mail_outbox_unsent\\{last_send="failed"\\}')).toBeGreaterThanOrEqual(2);
    expect(gauge(metrics, 'mail_outbox_oldest_unsent_seconds')).toBeGreaterThan(0);

    const server = await startSmtpSink(port);
    cleanups.push(server.close);
    await waitFor(async () => (await rows()).every((row) => row.sentAt !== null), {
      what: 'both mails sent by the relay',
    });
    // A few more relay passes: nothing is sent twice.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const mine = server.received.filter((message) => [reseller.email, provider.email].includes(message.to));
    expect(mine.map((message) => message.to).sort()).toEqual([reseller.email, provider.email].sort());
    expect(mine.find((message) => message.to === reseller.email)!.data).toContain('/invitations/');
    // Its relay would take the next test's messages (sharing them, as workers do) to this server.
    await engine.stop();
    await server.close();
  });

  it('shares due messages between relays: each is sent once, whatever number of workers pass at once', async () => {
    const port = await freePort();
    const server = await startSmtpSink(port);
    const { db } = await testDatabase();
    const mailers = [0, 1, 2].map(() =>
      createMailer({
        db,
        keyRing: createKeyRing({ keyId: 'k1', key: Buffer.from(ENCRYPTION_KEY, 'base64') }),
        smtpUrl: `smtp://127.0.0.1:${port}`,
        from: 'Engine <engine@example.test>',
        logger: createLogger('silent'),
        // Due at once: as if each writer had died before sending.
        retryScheduleMs: [0],
      }),
    );
    cleanups.push(async () => void (await Promise.all(mailers.map((mailer) => mailer.close()))), server.close);
    const addresses = Array.from({ length: 12 }, () => `relay-${randomUUID().slice(0, 8)}@example.test`);
    for (const to of addresses) {
      await mailers[0]!.enqueue(db, {
        dedupeKey: `relay-test:${to}`,
        to,
        subject: 'Queued',
        text: 'A message',
        language: 'en',
        template: 'invitationLink',
      });
    }
    const sentByAll = async () => {
      const passes = await Promise.all(mailers.map((mailer) => mailer.relayPass(5)));
      return passes.reduce((sum, pass) => sum + pass.sent, 0);
    };
    await waitFor(
      async () => {
        await sentByAll();
        const rows = await db.select().from(mailOutbox).where(inArray(mailOutbox.recipient, addresses));
        return rows.every((row) => row.sentAt !== null);
      },
      { what: 'every queued message sent' },
    );
    // None twice. (A relay of another test file's engine may take a due message too, as another worker would.)
    const mine = server.received.filter((message) => addresses.includes(message.to)).map((message) => message.to);
    expect(new Set(mine).size).toBe(mine.length);
    expect(mine.length).toBeGreaterThan(0);
  });
});
