import { randomUUID } from 'node:crypto';
import { inArray } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Db } from '../src/db/client';
import * as schema from '../src/db/schema';
import { createLogger } from '../src/logger';
import { mailOutbox } from '../src/db/schema';
import { createMailer } from '../src/mail/mailer';
import { createKeyRing } from '../src/security/cipher';
import { ENCRYPTION_KEY, testDatabase } from './support/harness';
import { freePort } from './support/ports';
import { startSmtpSink } from './support/smtp';

/**
 * Mail leaves the outbox over SMTP on a few kept connections: each activity delivers its own message,
 * and a connection per message spent most of the mail's CPU on the greeting and EHLO. Against a real
 * SMTP server on loopback, which counts the connections it accepts. A message is sent as its activity
 * wrote it, without reading it back from the outbox.
 */
const databaseUrl = inject('databaseUrl');
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let port: number;

beforeAll(async () => {
  port = await freePort();
  smtp = await startSmtpSink(port);
});
afterAll(() => smtp?.close());

const testKeyRing = () => createKeyRing({ keyId: 'k1', key: Buffer.from(ENCRYPTION_KEY, 'base64') });

async function deliverOneByOne(smtpUrl: string, count: number) {
  const { db } = await testDatabase();
  const mailer = createMailer({
    db,
    // The test engines' key: their outbox pages read every recent message in the shared database.
    keyRing: testKeyRing(),
    smtpUrl,
    from: 'Engine <engine@example.test>',
    logger: createLogger('silent'),
  });
  const before = smtp.connections();
  const addresses = Array.from({ length: count }, () => `smtp-${randomUUID().slice(0, 8)}@example.test`);
  try {
    for (const to of addresses) {
      const dedupeKey = `smtp-test:${to}`;
      await mailer.enqueue(db, {
        dedupeKey,
        to,
        subject: 'Hello',
        text: 'A message',
        language: 'en',
        template: 'invitationLink',
      });
      await mailer.deliver([dedupeKey]);
    }
  } finally {
    await mailer.close();
  }
  expect(smtp.received.map((mail) => mail.to)).toEqual(expect.arrayContaining(addresses));
  const rows = await db.select().from(mailOutbox).where(inArray(mailOutbox.recipient, addresses));
  expect(rows.map((row) => row.sentAt)).toEqual(addresses.map(() => expect.any(Date)));
  return smtp.connections() - before;
}

describe('mail over SMTP', () => {
  it('sends message after message over one kept connection', async () => {
    expect(await deliverOneByOne(`smtp://127.0.0.1:${port}`, 5)).toBe(1);
  });

  it('opens a connection per message when SMTP_URL says pool=false', async () => {
    expect(await deliverOneByOne(`smtp://127.0.0.1:${port}?pool=false`, 3)).toBe(3);
  });

  it.skipIf(!databaseUrl)(
    'sends a message as its transaction wrote it, without reading it back; one queued by an earlier attempt is read',
    async () => {
      // A connection of its own whose statements the test sees (drizzle's query log).
      const statements: string[] = [];
      const client = postgres(databaseUrl, { max: 2, onnotice: () => {} });
      const db = drizzle(client, { schema, logger: { logQuery: (query) => statements.push(query) } }) as unknown as Db;
      const mailer = createMailer({
        db,
        keyRing: testKeyRing(),
        smtpUrl: `smtp://127.0.0.1:${port}`,
        from: 'Engine <engine@example.test>',
        logger: createLogger('silent'),
      });
      const outboxReads = () => statements.filter((query) => /^select .* from "mail_outbox"/.test(query)).length;
      const to = `written-${randomUUID().slice(0, 8)}@example.test`;
      const mail = {
        dedupeKey: `smtp-test:${to}`,
        to,
        subject: 'Your link',
        text: 'Follow https://example.test/link/secret',
        language: 'es' as const,
        template: 'invitationLink' as const,
      };
      try {
        const queued = await db.transaction((tx) => mailer.enqueue(tx, mail));
        expect(queued.written?.recipient).toBe(to);
        await mailer.deliver([queued]);
        expect(outboxReads()).toBe(0);
        const sent = smtp.received.filter((message) => message.to === to);
        expect(sent).toHaveLength(1);
        expect(sent[0]!.data).toContain('Follow https://example.test/link/secret');
        expect(sent[0]!.data).toMatch(/Content-Language: es/);

        // A retried activity finds its key taken: nothing is written, the message is read, and it is sent already.
        const again = await db.transaction((tx) => mailer.enqueue(tx, mail));
        expect(again).toEqual({ dedupeKey: mail.dedupeKey });
        await mailer.deliver([again]);
        expect(outboxReads()).toBe(1);
        expect(smtp.received.filter((message) => message.to === to)).toHaveLength(1);
        const [row] = await db
          .select()
          .from(schema.mailOutbox)
          .where(inArray(schema.mailOutbox.recipient, [to]));
        expect(row!.sentAt).toEqual(expect.any(Date));
      } finally {
        await mailer.close();
        await client.end({ timeout: 1 });
      }
    },
  );
});
