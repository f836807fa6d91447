import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { onboardingStatuses, type OnboardingStatus } from '../../domain/statuses';
import { partners } from './partners';

export { onboardingStatuses, type OnboardingStatus };

/** A new-customer operation: the draft, its review, and the outcome of the provisioning saga. */
export const onboardings = pgTable(
  'customer_onboardings',
  {
    id: uuid('id').primaryKey(),
    providerId: uuid('provider_id')
      .notNull()
      .references(() => partners.id),
    resellerId: uuid('reseller_id').references(() => partners.id),
    domainPrefix: text('domain_prefix').notNull(),
    status: text('status', { enum: onboardingStatuses }).notNull().default('validating'),
    request: jsonb('request').$type<Record<string, unknown>>().notNull(),
    review: jsonb('review').$type<Record<string, unknown>>(),
    errors: jsonb('errors').$type<Array<{ field: string; code: string; message: string }>>(),
    customerId: uuid('customer_id'),
    failureReason: text('failure_reason'),
    workflowId: text('workflow_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // An onboarding in progress holds its domain prefix.
    uniqueIndex('onboardings_domain_hold_idx')
      .on(t.domainPrefix)
      .where(sql`${t.status} in ('validating', 'awaiting_review', 'provisioning')`),
    index('onboardings_provider_idx').on(t.providerId, t.createdAt),
  ],
);

/**
 * The temporary password encrypted for its one-time reveal. A reveal without an Idempotency-Key
 * deletes the row; a reveal with one binds the row to that key (`revealedTo`, a hash) until
 * `replayUntil`, when it is deleted. `credential_reveals` remembers that it was revealed.
 */
export const credentialEscrow = pgTable('credential_escrow', {
  onboardingId: uuid('onboarding_id').primaryKey(),
  username: text('username').notNull(),
  passwordEncrypted: text('password_encrypted').notNull(),
  /** sha256 of the revealing caller's owner id and Idempotency-Key; null until revealed. */
  revealedTo: text('revealed_to'),
  replayUntil: timestamp('replay_until', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const credentialReveals = pgTable('credential_reveals', {
  onboardingId: uuid('onboarding_id').primaryKey(),
  revealedAt: timestamp('revealed_at', { withTimezone: true }).notNull().defaultNow(),
});
