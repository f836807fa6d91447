import { and, asc, desc, eq, inArray, isNull, lte, sql } from 'drizzle-orm';
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

/** A message to send: what SMTP needs, its body decrypted, and its failed sends so far. */
type UnsentMessage = {
  id: string;
  recipient: string;
  subject: string;
  text: string;
  language: Language | null;
  attempts: number;
};

export type Mailer = ReturnType<typeof createMailer>;

/** What waits for SMTP (GET /metrics): unsent messages, those whose last send failed, the oldest one's age. */
export type MailBacklog = { unsent: number; failed: number; oldestSeconds: number };

/** What sending a message needs, its body still encrypted. */
const sendable = {
  id: mailOutbox.id,
  recipient: mailOutbox.recipient,
  subject: mailOutbox.subject,
  bodyEncrypted: mailOutbox.bodyEncrypted,
  language: mailOutbox.language,
  attempts: mailOutbox.attempts,
};

/** An outbox row as `sendable` selects it. */
type SendableRow = Omit<UnsentMessage, 'text'> & { bodyEncrypted: string };

const unsentMessage = preparedQuery((db) =>
  db
    .select(sendable)
    .from(mailOutbox)
    .where(and(eq(mailOutbox.dedupeKey, sql.placeholder('dedupeKey')), isNull(mailOutbox.sentAt)))
    .prepare('unsent_message'),
);

/** The default MAIL_RETRY_SCHEDULE: the relay's grace for a fresh message, then the waits after each failed send (the last repeats). */
export const defaultMailRetryScheduleMs = [60_000, 5 * 60_000, 15 * 60_000, 60 * 60_000];

/** The default SMTP_TIMEOUT. */
const defaultSmtpTimeoutMs = 10_000;

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
 *
 * A send that fails (the SMTP server down or refusing) does not fail the step that wrote the
 * message: the message stays unsent, its failure counted, and the mail relay (./relay.ts, in every
 * worker) sends it later, after the waits of MAIL_RETRY_SCHEDULE. So an SMTP outage delays mail; it
 * does not hold up an invitation, an accept or a renewal.
 */
export function createMailer(options: {
  db: Db;
  keyRing: KeyRing;
  smtpUrl?: string;
  from: string;
  logger: Logger;
  /** MAIL_RETRY_SCHEDULE; the first wait is also the relay's grace for a message its writer is sending. */
  retryScheduleMs?: readonly number[];
  /** SMTP_TIMEOUT: the longest a send waits on the server at any step. */
  timeoutMs?: number;
}) {
  const schedule = options.retryScheduleMs?.length ? options.retryScheduleMs : defaultMailRetryScheduleMs;
  /** The wait before the next try, after `failures` failed sends (0: a fresh message). */
  const waitAfter = (failures: number) => schedule[Math.min(Math.max(failures - 1, 0), schedule.length - 1)]!;
  const inMs = (ms: number) => sql`now() + ${ms} * interval '1 millisecond'`;
  // Pooled: a few connections kept open and reused. A connection per message (nodemailer's default)
  // spent most of the mail's CPU on the greeting and EHLO (~6 % of the worker's CPU per invitation).
  // Options in SMTP_URL's query win, so `?pool=false` restores a connection per message.
  // Every wait on the server is bounded (nodemailer's own bounds go up to 10 minutes for a reply): a
  // server that accepts the connection and then stalls costs a send SMTP_TIMEOUT, and the message is
  // left to the relay, instead of holding the step that wrote it past its activity timeout, retry
  // after retry.
  const timeout = options.timeoutMs ?? defaultSmtpTimeoutMs;
  const transport = options.smtpUrl
    ? nodemailer.createTransport({
        url: options.smtpUrl,
        pool: true,
        connectionTimeout: timeout,
        greetingTimeout: timeout,
        socketTimeout: timeout,
        dnsTimeout: timeout,
      })
    : null;
  /** Sends started by `deliverInBackground` and not finished; `close` waits for them. */
  const inFlight = new Set<Promise<void>>();

  /** An outbox row (`sendable`) as a message to send, its body decrypted; throws for a key not held. */
  const opened = ({ bodyEncrypted, ...row }: SendableRow): UnsentMessage => ({
    ...row,
    text: decryptText(options.keyRing, bodyEncrypted),
  });

  /** The messages of these keys still unsent, decrypted. */
  async function unsentMessages(dedupeKeys: string[]): Promise<UnsentMessage[]> {
    if (dedupeKeys.length === 0) return [];
    // Most calls read one message: that read is prepared (see preparedQuery).
    const rows =
      dedupeKeys.length === 1
        ? await unsentMessage(options.db).execute({ dedupeKey: dedupeKeys[0] })
        : await options.db
            .select(sendable)
            .from(mailOutbox)
            .where(and(inArray(mailOutbox.dedupeKey, dedupeKeys), isNull(mailOutbox.sentAt)));
    return rows.map(opened);
  }

  /** Counts a failed send and sets the next try by the schedule. */
  async function failed(id: string, failures: number, error: unknown, executor: DbOrTx): Promise<void> {
    const wait = waitAfter(failures + 1);
    await executor
      .update(mailOutbox)
      .set({
        attempts: sql`${mailOutbox.attempts} + 1`,
        lastError: String((error as Error)?.message ?? error).slice(0, 500),
        nextAttemptAt: inMs(wait),
      })
      .where(eq(mailOutbox.id, id));
    options.logger.warn({ outboxId: id, err: error, retryInMs: wait }, 'mail not sent; the mail relay retries it');
  }

  /** Sends one message and marks it sent; a failure is counted and left to the relay. True when sent. */
  async function send(message: UnsentMessage, executor: DbOrTx = options.db): Promise<boolean> {
    try {
      await transport!.sendMail({
        from: options.from,
        to: message.recipient,
        subject: message.subject,
        text: message.text,
        ...(message.language ? { headers: { 'Content-Language': message.language } } : {}),
        // A stable Message-ID lets receiving servers drop a duplicate after a redelivery.
        messageId: `<${message.id}@partner-onboarding>`,
      });
    } catch (error) {
      await failed(message.id, message.attempts, error, executor);
      return false;
    }
    await markSent(executor).execute({ id: message.id });
    options.logger.info({ outboxId: message.id }, 'mail sent');
    return true;
  }

  /**
   * Sends the queued messages that are not sent yet; call it once the transaction that queued them
   * has committed. A message this attempt wrote is sent as it is (one round trip less than reading
   * it back); one known only by its key is read, and skipped if already sent. A message that cannot
   * be sent now is left to the relay (see above): this never throws for SMTP's sake. At-least-once:
   * a crash after sending resends, under the same Message-ID.
   */
  async function deliver(queued: ReadonlyArray<QueuedMail | string>): Promise<void> {
    if (!transport || queued.length === 0) return;
    const written = queued.flatMap((item) => (typeof item !== 'string' && item.written ? [item.written] : []));
    const keys = queued.flatMap((item) => (typeof item === 'string' ? [item] : item.written ? [] : [item.dedupeKey]));
    for (const message of [...written, ...(await unsentMessages(keys))]) await send(message);
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
          // Without SMTP the outbox is the mailbox: nothing for a relay to send, ever.
          nextAttemptAt: transport ? inMs(waitAfter(0)) : sql`'infinity'`,
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
        attempts: 0,
      };
      return { dedupeKey: mail.dedupeKey, written };
    },

    deliver,

    /**
     * `deliver` without making the caller wait, for the steps somebody is waiting on (a reseller's
     * accept, a provider's resend): their answer does not wait on the mail server, whose replies take
     * tens of milliseconds each over a network, or SMTP_TIMEOUT when it stalls. Call it once the
     * transaction that queued the messages has committed: they are durable from then on, so if this
     * process dies before sending, the relay sends them after its grace (the first wait of
     * MAIL_RETRY_SCHEDULE). `close` waits for the sends under way.
     */
    deliverInBackground(queued: ReadonlyArray<QueuedMail | string>): void {
      if (!transport || queued.length === 0) return;
      const sending: Promise<void> = deliver(queued)
        // SMTP failures are recorded by `deliver`; this is the database failing to record one.
        .catch((error) => options.logger.warn({ err: error }, 'mail not sent; the mail relay sends it'))
        .finally(() => inFlight.delete(sending));
      inFlight.add(sending);
    },

    /**
     * One pass of the mail relay: takes up to `limit` unsent messages that are due, oldest first,
     * locked (SKIP LOCKED: several workers share the work), and sends them. Stops at the first
     * failure: the server is likely down, and each message's next try is already set. Returns how
     * many it sent and whether it stopped on a failure.
     */
    async relayPass(limit: number): Promise<{ sent: number; failed: boolean }> {
      if (!transport) return { sent: 0, failed: false };
      const due = and(isNull(mailOutbox.sentAt), lte(mailOutbox.nextAttemptAt, sql`now()`));
      const [any] = await options.db.select({ id: mailOutbox.id }).from(mailOutbox).where(due).limit(1);
      if (!any) return { sent: 0, failed: false };
      return options.db.transaction(async (tx) => {
        const rows = await tx
          .select(sendable)
          .from(mailOutbox)
          .where(due)
          .orderBy(asc(mailOutbox.createdAt))
          .limit(limit)
          .for('update', { skipLocked: true });
        let sent = 0;
        for (const row of rows) {
          let message: UnsentMessage;
          try {
            message = opened(row);
          } catch (error) {
            // Sealed with a key this process does not hold (retired by a rotation): counted, and the pass goes on.
            await failed(row.id, row.attempts, error, tx);
            continue;
          }
          // Marked in this transaction: its lock keeps other relays off the row until then.
          if (!(await send(message, tx))) return { sent, failed: true };
          sent += 1;
        }
        return { sent, failed: false };
      });
    },

    /** What waits for SMTP: unsent messages, those whose last send failed, and the oldest one's age. */
    async backlog(): Promise<MailBacklog> {
      const [row] = await options.db
        .select({
          unsent: sql<number>`count(*)::int`,
          failed: sql<number>`(count(*) filter (where ${mailOutbox.attempts} > 0))::int`,
          oldestSeconds: sql<number>`coalesce(extract(epoch from now() - min(${mailOutbox.createdAt})), 0)::float8`,
        })
        .from(mailOutbox)
        // Unsent and meant for SMTP (mail written without SMTP_URL never is: next_attempt_at is infinity).
        .where(and(isNull(mailOutbox.sentAt), sql`${mailOutbox.nextAttemptAt} < 'infinity'`));
      return row ?? { unsent: 0, failed: 0, oldestSeconds: 0 };
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
      await Promise.allSettled([...inFlight]);
      transport?.close();
    },
  };
}
