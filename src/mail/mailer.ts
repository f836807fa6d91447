import { desc, eq, inArray, isNull, and, sql } from 'drizzle-orm';
import nodemailer from 'nodemailer';
import type { Db, DbOrTx } from '../db/client';
import { preparedQuery } from '../db/queries/prepared';
import { mailOutbox } from '../db/schema';
import type { Logger } from '../logger';
import { decryptText, encryptText, type KeyRing } from '../security/cipher';
import type { Language } from '../i18n/language';
import type { ComposedMail, MailTemplate } from './templates';

/** A composed mail (see ./templates) addressed and keyed for the outbox. */
export type OutgoingMail = ComposedMail & { dedupeKey: string; to: string };
export type OutboxMessage = {
  id: string;
  to: string;
  subject: string;
  text: string;
  language: Language | null;
  template: MailTemplate | null;
  createdAt: Date;
  sentAt: Date | null;
};

/**
 * What `enqueue` queued: its key, and the message itself when this call wrote it. `deliver` sends
 * such a message as it is, without reading it back; one queued by an earlier attempt (the key was
 * taken) is read from the outbox, and sent only if it is still unsent.
 */
export type QueuedMail = { dedupeKey: string; written?: UnsentMessage };

/** A message to send: what SMTP needs, its body decrypted. */
type UnsentMessage = { id: string; recipient: string; subject: string; text: string; language: Language | null };

export type Mailer = ReturnType<typeof createMailer>;

const unsentMessage = preparedQuery((db) =>
  db
    .select()
    .from(mailOutbox)
    .where(and(eq(mailOutbox.dedupeKey, sql.placeholder('dedupeKey')), isNull(mailOutbox.sentAt)))
    .prepare('unsent_message'),
);

const markSent = preparedQuery((db) =>
  db
    .update(mailOutbox)
    .set({ sentAt: sql`now()` })
    .where(eq(mailOutbox.id, sql.placeholder('id')))
    .prepare('mark_sent'),
);

/**
 * Mail goes through the outbox table: activities write a message in the same transaction as the
 * state it announces, then `deliver` sends it over SMTP when SMTP_URL is set. Without SMTP the
 * outbox is the mailbox (shown at /dev/outbox). Bodies hold personal links, so they are encrypted.
 */
export function createMailer(options: { db: Db; keyRing: KeyRing; smtpUrl?: string; from: string; logger: Logger }) {
  // Pooled: a few connections kept open and reused. A connection per message (nodemailer's default)
  // spent most of the mail's CPU on the greeting and EHLO (~6 % of the worker's CPU per invitation).
  // Options in SMTP_URL's query win, so `?pool=false` restores a connection per message.
  const transport = options.smtpUrl ? nodemailer.createTransport({ url: options.smtpUrl, pool: true }) : null;

  /** The messages of these keys still unsent, decrypted. */
  async function unsentMessages(dedupeKeys: string[]): Promise<UnsentMessage[]> {
    if (dedupeKeys.length === 0) return [];
    // Most calls read one message: that read is prepared (see preparedQuery).
    const rows =
      dedupeKeys.length === 1
        ? await unsentMessage(options.db).execute({ dedupeKey: dedupeKeys[0] })
        : await options.db
            .select()
            .from(mailOutbox)
            .where(and(inArray(mailOutbox.dedupeKey, dedupeKeys), isNull(mailOutbox.sentAt)));
    return rows.map((row) => ({
      id: row.id,
      recipient: row.recipient,
      subject: row.subject,
      text: decryptText(options.keyRing, row.bodyEncrypted),
      language: row.language,
    }));
  }

  async function send(message: UnsentMessage): Promise<void> {
    await transport!.sendMail({
      from: options.from,
      to: message.recipient,
      subject: message.subject,
      text: message.text,
      ...(message.language ? { headers: { 'Content-Language': message.language } } : {}),
      // A stable Message-ID lets receiving servers drop a duplicate after a redelivery.
      messageId: `<${message.id}@partner-onboarding>`,
    });
    await markSent(options.db).execute({ id: message.id });
    options.logger.info({ outboxId: message.id }, 'mail sent');
  }

  return {
    transport: transport ? ('smtp' as const) : ('outbox' as const),

    /** Queues a message; a second call with the same dedupe key does nothing (and says so: no `written`). */
    async enqueue(executor: DbOrTx, mail: OutgoingMail): Promise<QueuedMail> {
      const [row] = await executor
        .insert(mailOutbox)
        .values({
          dedupeKey: mail.dedupeKey,
          recipient: mail.to,
          subject: mail.subject,
          language: mail.language,
          template: mail.template,
          bodyEncrypted: encryptText(options.keyRing, mail.text),
        })
        .onConflictDoNothing({ target: mailOutbox.dedupeKey })
        .returning({ id: mailOutbox.id });
      if (!row) return { dedupeKey: mail.dedupeKey };
      const written = {
        id: row.id,
        recipient: mail.to,
        subject: mail.subject,
        text: mail.text,
        language: mail.language,
      };
      return { dedupeKey: mail.dedupeKey, written };
    },

    /**
     * Sends the queued messages that are not sent yet; call it once the transaction that queued them
     * has committed. A message this attempt wrote is sent as it is (one round trip less than reading
     * it back); one known only by its key is read, and skipped if already sent. At-least-once: a
     * crash after sending resends, under the same Message-ID.
     */
    async deliver(queued: ReadonlyArray<QueuedMail | string>): Promise<void> {
      if (!transport || queued.length === 0) return;
      const written = queued.flatMap((item) => (typeof item !== 'string' && item.written ? [item.written] : []));
      const keys = queued.flatMap((item) => (typeof item === 'string' ? [item] : item.written ? [] : [item.dedupeKey]));
      for (const message of [...written, ...(await unsentMessages(keys))]) await send(message);
    },

    async recent(limit = 50): Promise<OutboxMessage[]> {
      const rows = await options.db.select().from(mailOutbox).orderBy(desc(mailOutbox.createdAt)).limit(limit);
      return rows.map((row) => ({
        id: row.id,
        to: row.recipient,
        subject: row.subject,
        text: decryptText(options.keyRing, row.bodyEncrypted),
        language: row.language,
        template: row.template as MailTemplate | null,
        createdAt: row.createdAt,
        sentAt: row.sentAt,
      }));
    },

    async close(): Promise<void> {
      transport?.close();
    },
  };
}
