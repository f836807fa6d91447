import { sql } from 'drizzle-orm';
import {
  bigserial,
  index,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';
import type { CustomerAddress, CustomerContact } from '../../domain/customer';
import { customerStatuses, customerUserStatuses, type CustomerStatus } from '../../domain/statuses';
import { partners } from './partners';

export { customerStatuses, type CustomerStatus, type CustomerAddress, type CustomerContact };

/**
 * The words of a customer's name and domain, for search: letters and digits (Unicode, as Postgres's
 * `[[:alnum:]]`), anything else a separator. The index and the query must use this same expression.
 */
export const customerSearchWords = (name: AnyPgColumn, domain: AnyPgColumn) =>
  sql`to_tsvector('simple', regexp_replace(${name} || ' ' || ${domain}, '[^[:alnum:]]+', ' ', 'g'))`;

/** A customer tenant `<prefix>.onmicrosoft.com`, owned by a provider, optionally managed by a reseller. */
export const customers = pgTable(
  'customers',
  {
    id: uuid('id').primaryKey(),
    providerId: uuid('provider_id')
      .notNull()
      .references(() => partners.id),
    /** The reseller with delegated admin rights over the customer, if any. */
    resellerId: uuid('reseller_id').references(() => partners.id),
    name: text('name').notNull(),
    domainPrefix: text('domain_prefix').notNull(),
    domain: text('domain').notNull(),
    country: text('country').notNull(),
    address: jsonb('address').$type<CustomerAddress>().notNull(),
    contact: jsonb('contact').$type<CustomerContact>().notNull(),
    status: text('status', { enum: customerStatuses }).notNull().default('provisioning'),
    onboardingId: uuid('onboarding_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // A domain belongs to one live customer; a compensated (deleted) one frees it again.
    uniqueIndex('customers_live_domain_idx')
      .on(t.domainPrefix)
      .where(sql`${t.status} <> 'deleted'`),
    // GET /v1/customers as a provider: provider_id = ? ORDER BY created_at DESC, id DESC (keyset pages).
    index('customers_provider_created_idx').on(t.providerId, t.createdAt.desc(), t.id.desc()),
    // GET /v1/customers?resellerId= as a provider, same order.
    index('customers_provider_reseller_created_idx').on(t.providerId, t.resellerId, t.createdAt.desc(), t.id.desc()),
    // GET /v1/customers as a reseller: reseller_id = ? ORDER BY created_at DESC, id DESC.
    index('customers_reseller_created_idx').on(t.resellerId, t.createdAt.desc(), t.id.desc()),
    // GET /v1/customers?q=: name ILIKE '%q%' and domain ILIKE '%q%', prefix or middle (pg_trgm).
    index('customers_name_trgm_idx').using('gin', t.name.op('gin_trgm_ops')),
    index('customers_domain_trgm_idx').using('gin', t.domain.op('gin_trgm_ops')),
    // GET /v1/customers?q= when q holds whole words: the words of name and domain (queries/customer-search.ts).
    index('customers_search_words_idx').using('gin', customerSearchWords(t.name, t.domain)),
  ],
);

/** The customer's admin user. Only a slow (scrypt) hash of its temporary password is kept. */
export const customerUsers = pgTable(
  'customer_users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id),
    username: text('username').notNull().unique(),
    passwordHash: text('password_hash').notNull(),
    status: text('status', { enum: customerUserStatuses }).notNull().default('active'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // GET /v1/customers/:id (the admin's username) and the onboarding saga's compensation look users up by customer.
  (t) => [index('customer_users_customer_idx').on(t.customerId)],
);

/** Audit trail: every change to a customer and its subscriptions, with who, what, when and which run. */
export const customerEvents = pgTable(
  'customer_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    customerId: uuid('customer_id').notNull(),
    /** `partner:<id>`, `operator` or `workflow`. */
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    workflowId: text('workflow_id'),
    runId: text('run_id'),
    /** Makes an activity's audit row idempotent across retries. */
    dedupeKey: text('dedupe_key').unique(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // GET /v1/customers/:id/events pages by id.
  (t) => [index('customer_events_customer_idx').on(t.customerId, t.id)],
);
