import { sql } from 'drizzle-orm';
import { index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { partnershipStatuses, type PartnershipStatus } from '../../domain/statuses';
import { partners } from './partners';

export { partnershipStatuses, type PartnershipStatus };

/** A provider–reseller pair; only active ones allow customers, credits and support designations. */
export const partnerships = pgTable(
  'partnerships',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    providerId: uuid('provider_id')
      .notNull()
      .references(() => partners.id),
    resellerId: uuid('reseller_id')
      .notNull()
      .references(() => partners.id),
    status: text('status', { enum: partnershipStatuses }).notNull().default('active'),
    invitationId: uuid('invitation_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    removedAt: timestamp('removed_at', { withTimezone: true }),
  },
  (t) => [
    // At most one active partnership per pair; accepting twice cannot create a second.
    uniqueIndex('partnerships_one_active_idx')
      .on(t.providerId, t.resellerId)
      .where(sql`${t.status} = 'active'`),
    // GET /v1/partnerships, provider side: provider_id = ? ORDER BY created_at DESC, id DESC.
    index('partnerships_provider_created_idx').on(t.providerId, t.createdAt.desc(), t.id.desc()),
    // GET /v1/partnerships, reseller side: reseller_id = ? ORDER BY created_at DESC, id DESC.
    index('partnerships_reseller_created_idx').on(t.resellerId, t.createdAt.desc(), t.id.desc()),
  ],
);
