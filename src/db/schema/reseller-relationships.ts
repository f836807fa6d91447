import { sql } from 'drizzle-orm';
import { pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { resellerRelationshipStatuses, type ResellerRelationshipStatus } from '../../domain/statuses';
import { customers } from './customers';
import { partners } from './partners';

export { resellerRelationshipStatuses, type ResellerRelationshipStatus };

/** A provider's request that a reseller manage an existing customer, approved by the customer's contact. */
export const resellerRelationships = pgTable(
  'reseller_relationships',
  {
    id: uuid('id').primaryKey(),
    providerId: uuid('provider_id')
      .notNull()
      .references(() => partners.id),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id),
    resellerId: uuid('reseller_id')
      .notNull()
      .references(() => partners.id),
    status: text('status', { enum: resellerRelationshipStatuses }).notNull().default('pending'),
    tokenHash: text('token_hash').unique(),
    tokenEscrow: text('token_escrow'),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    reminderSentAt: timestamp('reminder_sent_at', { withTimezone: true }),
    /** What the customer's contact gave as the reason for declining, if anything. */
    declineReason: text('decline_reason'),
    workflowId: text('workflow_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // One pending request per customer and reseller.
    uniqueIndex('reseller_relationships_one_pending_idx')
      .on(t.customerId, t.resellerId)
      .where(sql`${t.status} = 'pending'`),
  ],
);
