import { sql } from 'drizzle-orm';
import { boolean, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { languages } from '../../i18n/language';

import { partnerKinds, type PartnerKind } from '../../domain/statuses';

export { partnerKinds, type PartnerKind };

/** Providers and resellers. Only a hash of each partner's API key is kept. */
export const partners = pgTable(
  'partners',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind', { enum: partnerKinds }).notNull(),
    /** The public MPN-style id resellers type on accept links and providers put on orders. */
    partnerId: text('partner_id').notNull().unique(),
    name: text('name').notNull(),
    email: text('email').notNull(),
    country: text('country').notNull(),
    cspEnrolled: boolean('csp_enrolled').notNull().default(false),
    profile: text('profile'),
    /** The language of the partner's emails and pages; null means its country's (PRODUCT.md §8). */
    language: text('language', { enum: languages }),
    apiKeyHash: text('api_key_hash').notNull().unique(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // The public provider directory lists providers by name.
    index('partners_kind_name_idx').on(t.kind, t.name),
    // Inviting checks whether the invited address already belongs to a partnered reseller.
    index('partners_email_lower_idx').on(sql`lower(${t.email})`),
  ],
);
