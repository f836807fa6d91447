import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { invitationStatuses, type InvitationStatus } from '../../domain/statuses';
import { partners } from './partners';

export { invitationStatuses, type InvitationStatus };

/** A provider's request for partnership, emailed to a reseller as a personalised link. */
export const invitations = pgTable(
  'invitations',
  {
    id: uuid('id').primaryKey(),
    providerId: uuid('provider_id')
      .notNull()
      .references(() => partners.id),
    resellerEmail: text('reseller_email').notNull(),
    message: text('message'),
    status: text('status', { enum: invitationStatuses }).notNull().default('pending'),
    /** sha256 of the link token; the token itself exists only in the email and the encrypted escrow. */
    tokenHash: text('token_hash').unique(),
    /** The token encrypted with ENCRYPTION_KEY, so reminders and resends can carry the same link. */
    tokenEscrow: text('token_escrow'),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    linkSentCount: integer('link_sent_count').notNull().default(0),
    reminderSentAt: timestamp('reminder_sent_at', { withTimezone: true }),
    resellerId: uuid('reseller_id').references(() => partners.id),
    partnershipId: uuid('partnership_id'),
    declineReason: text('decline_reason'),
    workflowId: text('workflow_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // One pending invitation per provider and address, whatever its case.
    uniqueIndex('invitations_one_pending_idx')
      .on(t.providerId, sql`lower(${t.resellerEmail})`)
      .where(sql`${t.status} = 'pending'`),
    // GET /v1/invitations: provider_id = ? ORDER BY created_at DESC, id DESC (scanned backwards).
    index('invitations_provider_created_idx').on(t.providerId, t.createdAt, t.id),
    // GET /v1/invitations?status=: provider_id = ? AND status = ?, same order.
    index('invitations_provider_status_created_idx').on(t.providerId, t.status, t.createdAt.desc(), t.id.desc()),
  ],
);
