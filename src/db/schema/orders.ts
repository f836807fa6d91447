import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { billingFrequencies, subscriptionTerms, type LicenseBatch } from '../../domain/subscription-billing';
import {
  subscriptionStatuses,
  type ScheduledChanges,
  type SubscriptionStatus,
} from '../../domain/subscription-lifecycle';
import { orderStatuses, type OrderStatus } from '../../domain/statuses';
import { customers } from './customers';
import { offers } from './offers';
import { partners } from './partners';

export { orderStatuses, type OrderStatus };

export const orders = pgTable(
  'orders',
  {
    id: uuid('id').primaryKey(),
    providerId: uuid('provider_id')
      .notNull()
      .references(() => partners.id),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id),
    onboardingId: uuid('onboarding_id'),
    status: text('status', { enum: orderStatuses }).notNull().default('pending'),
    request: jsonb('request').$type<Record<string, unknown>>(),
    failureReason: text('failure_reason'),
    workflowId: text('workflow_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('orders_customer_idx').on(t.customerId, t.createdAt)],
);

export const orderLines = pgTable(
  'order_lines',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id),
    lineNumber: integer('line_number').notNull(),
    offerId: text('offer_id')
      .notNull()
      .references(() => offers.id),
    quantity: integer('quantity').notNull(),
    unitPrice: integer('unit_price').notNull(),
    currency: text('currency').notNull(),
    /** The reseller credited for incentives (its public partnerId). */
    partnerIdOnRecord: text('partner_id_on_record'),
    /** The term and billing frequency bought (the offer's defaults unless the line named them). */
    term: text('term', { enum: subscriptionTerms }).notNull(),
    billingFrequency: text('billing_frequency', { enum: billingFrequencies }).notNull(),
  },
  // Placing an order twice cannot add its lines twice.
  (t) => [uniqueIndex('order_lines_order_line_idx').on(t.orderId, t.lineNumber)],
);

export { subscriptionStatuses, type SubscriptionStatus };

export const subscriptions = pgTable(
  'subscriptions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id),
    orderLineId: uuid('order_line_id').notNull(),
    offerId: text('offer_id')
      .notNull()
      .references(() => offers.id),
    quantity: integer('quantity').notNull(),
    status: text('status', { enum: subscriptionStatuses }).notNull().default('active'),
    partnerIdOnRecord: text('partner_id_on_record'),
    supportContactResellerId: uuid('support_contact_reseller_id').references(() => partners.id),
    // The lifecycle (PRODUCT.md §6), written by the subscription-<id> workflow, which owns it.
    term: text('term', { enum: subscriptionTerms }).notNull(),
    billingFrequency: text('billing_frequency', { enum: billingFrequencies }).notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    /** The current term's start (the purchase, then each renewal). */
    termStartedAt: timestamp('term_started_at', { withTimezone: true }).notNull().defaultNow(),
    /** Null until the workflow has started. */
    termEndsAt: timestamp('term_ends_at', { withTimezone: true }),
    autoRenew: boolean('auto_renew').notNull().default(true),
    renewalCount: integer('renewal_count').notNull().default(0),
    scheduledChanges: jsonb('scheduled_changes').$type<ScheduledChanges>(),
    cancellationAllowedUntil: timestamp('cancellation_allowed_until', { withTimezone: true }),
    /** Licenses by purchase, each with its own cancellation window. */
    licenseBatches: jsonb('license_batches').$type<LicenseBatch[]>().notNull().default([]),
    suspensionReason: text('suspension_reason'),
    /** `subscription-<id>` once its workflow runs (set by the workflow's first activity). */
    workflowId: text('workflow_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Provisioning is idempotent: one subscription per order line.
    uniqueIndex('subscriptions_order_line_idx').on(t.orderLineId),
    // GET /v1/customers/:id/subscriptions: customer_id = ? [AND status = ?] ORDER BY created_at, id — every
    // status can be listed, so the index is not partial.
    index('subscriptions_customer_created_idx').on(t.customerId, t.createdAt, t.id),
    // GET /v1/orders/:id and the order and provisioning activities read an order's subscriptions.
    index('subscriptions_order_idx').on(t.orderId),
    // The backfill: subscriptions still without their workflow.
    index('subscriptions_without_workflow_idx')
      .on(t.createdAt)
      .where(sql`${t.workflowId} IS NULL`),
  ],
);
