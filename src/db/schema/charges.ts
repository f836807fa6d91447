import { bigint, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { customers } from './customers';
import { subscriptions } from './orders';

export const chargeKinds = ['charge', 'refund'] as const;
export type ChargeKind = (typeof chargeKinds)[number];

/**
 * What a subscription costs, one row per billing period, license addition or refund. A refund is a
 * negative amount. Written only by the subscription workflow's activities, each under an
 * idempotency key (`<subscription>:term<n>:period<i>`, `<subscription>:change:<update id>`), so a
 * retried or replayed activity never records money twice.
 */
export const subscriptionCharges = pgTable(
  'subscription_charges',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    subscriptionId: uuid('subscription_id')
      .notNull()
      .references(() => subscriptions.id),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id),
    kind: text('kind', { enum: chargeKinds }).notNull(),
    periodStart: timestamp('period_start', { withTimezone: true }).notNull(),
    periodEnd: timestamp('period_end', { withTimezone: true }).notNull(),
    quantity: integer('quantity').notNull(),
    /** Integer cents; negative for refunds. */
    amount: bigint('amount', { mode: 'number' }).notNull(),
    currency: text('currency').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    workflowId: text('workflow_id'),
    runId: text('run_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Exactly one row per period or change, whatever retries happen.
    uniqueIndex('subscription_charges_idempotency_idx').on(t.idempotencyKey),
    // GET /v1/customers/:id/charges[?subscriptionId=], oldest first.
    index('subscription_charges_customer_idx').on(t.customerId, t.createdAt, t.id),
  ],
);
