import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { languages } from '../../i18n/language';

/**
 * Every email the engine sends is first written here, in the same transaction as the state it
 * announces (transactional outbox). Bodies carry links, so they are stored encrypted.
 */
export const mailOutbox = pgTable(
  'mail_outbox',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Makes writing a message idempotent: a retried activity finds its message already queued. */
    dedupeKey: text('dedupe_key').notNull().unique(),
    recipient: text('recipient').notNull(),
    subject: text('subject').notNull(),
    bodyEncrypted: text('body_encrypted').notNull(),
    /** Sent as the Content-Language header. */
    language: text('language', { enum: languages }),
    /** Which message this is (`invitationLink`, …), whatever its language. */
    template: text('template'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    /** Sends that failed (SMTP down, refused); the mail relay retries until one succeeds. */
    attempts: integer('attempts').notNull().default(0),
    /** When the mail relay may try an unsent message: a while after it was written (the writer sends it itself), later after each failure. */
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    /** Why the last send failed. */
    lastError: text('last_error'),
  },
  (t) => [
    // /dev/outbox lists the newest messages.
    index('mail_outbox_created_idx').on(t.createdAt),
    // The mail relay's pass: unsent messages, oldest first (src/mail/relay.ts).
    index('mail_outbox_unsent_idx')
      .on(t.createdAt)
      .where(sql`${t.sentAt} is null`),
  ],
);
