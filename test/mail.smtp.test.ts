import { randomUUID } from 'node:crypto';
import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { createLogger } from '../src/logger';
import { mailOutbox } from '../src/db/schema';
import { createMailer } from '../src/mail/mailer';
import { createKeyRing } from '../src/security/cipher';
import { ENCRYPTION_KEY, testDatabase } from './support/harness';
import { freePort } from './support/ports';

/**
 * Mail leaves the outbox over SMTP on a few kept connections: each activity delivers its own message,
 * and a connection per message spent most of the mail's CPU on the greeting and EHLO. Against a real
 * SMTP server on loopback, which counts the connections it accepts.
 */
let smtp: SMTPServer;
let port: number;
let connections = 0;
const received: string[] = [];

beforeAll(async () => {
  port = await freePort();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    onConnect(_session, callback) {
      connections += 1;
      callback();
    },
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        received.push(...session.envelope.rcptTo.map((to) => to.address));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(port, '127.0.0.1', resolve));
});
afterAll(() => new Promise<void>((resolve) => smtp?.close(() => resolve())));

async function deliverOneByOne(smtpUrl: string, count: number) {
  const { db } = await testDatabase();
  const mailer = createMailer({
    db,
    // The test engines' key: their outbox pages read every recent message in the shared database.
    keyRing: createKeyRing({ keyId: 'k1', key: Buffer.from(ENCRYPTION_KEY, 'base64') }),
    smtpUrl,
    from: 'Engine <engine@example.test>',
    logger: createLogger('silent'),
  });
  const before = connections;
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
  expect(received).toEqual(expect.arrayContaining(addresses));
  const rows = await db.select().from(mailOutbox).where(inArray(mailOutbox.recipient, addresses));
  expect(rows.map((row) => row.sentAt)).toEqual(addresses.map(() => expect.any(Date)));
  return connections - before;
}

describe('mail over SMTP', () => {
  it('sends message after message over one kept connection', async () => {
    expect(await deliverOneByOne(`smtp://127.0.0.1:${port}`, 5)).toBe(1);
  });

  it('opens a connection per message when SMTP_URL says pool=false', async () => {
    expect(await deliverOneByOne(`smtp://127.0.0.1:${port}?pool=false`, 3)).toBe(3);
  });
});
