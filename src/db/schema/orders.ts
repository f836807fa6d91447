import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { customers } from './customers';
import { offers } from './offers';
import { partners } from './partners';

export const orderStatuses = ['pending', 'completed', 'failed', 'cancelled'] as const;
export type OrderStatus = (typeof orderStatuses)[number];

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
  },
  // Placing an order twice cannot add its lines twice.
  (t) => [uniqueIndex('order_lines_order_line_idx').on(t.orderId, t.lineNumber)],
);

export const subscriptionStatuses = ['active', 'suspended', 'cancelled'] as const;
export type SubscriptionStatus = (typeof subscriptionStatuses)[number];

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
  ],
);
