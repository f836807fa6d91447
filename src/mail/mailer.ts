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

  return {
    transport: transport ? ('smtp' as const) : ('outbox' as const),

    /** Queues a message; a second call with the same dedupe key does nothing. */
    async enqueue(executor: DbOrTx, mail: OutgoingMail): Promise<void> {
      await executor
        .insert(mailOutbox)
        .values({
          dedupeKey: mail.dedupeKey,
          recipient: mail.to,
          subject: mail.subject,
          language: mail.language,
          template: mail.template,
          bodyEncrypted: encryptText(options.keyRing, mail.text),
        })
        .onConflictDoNothing({ target: mailOutbox.dedupeKey });
    },

    /** Sends the queued messages that are not sent yet. At-least-once: a crash after sending resends. */
    async deliver(dedupeKeys: string[]): Promise<void> {
      if (!transport || dedupeKeys.length === 0) return;
      // Most calls deliver one message: that read is prepared (see preparedQuery).
      const pending =
        dedupeKeys.length === 1
          ? await unsentMessage(options.db).execute({ dedupeKey: dedupeKeys[0] })
          : await options.db
              .select()
              .from(mailOutbox)
              .where(and(inArray(mailOutbox.dedupeKey, dedupeKeys), isNull(mailOutbox.sentAt)));
      for (const message of pending) {
        await transport.sendMail({
          from: options.from,
          to: message.recipient,
          subject: message.subject,
          text: decryptText(options.keyRing, message.bodyEncrypted),
          ...(message.language ? { headers: { 'Content-Language': message.language } } : {}),
          // A stable Message-ID lets receiving servers drop a duplicate after a redelivery.
          messageId: `<${message.id}@partner-onboarding>`,
        });
        await markSent(options.db).execute({ id: message.id });
        options.logger.info({ outboxId: message.id }, 'mail sent');
      }
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
