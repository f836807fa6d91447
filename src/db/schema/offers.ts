import { integer, pgTable, text } from 'drizzle-orm/pg-core';

export const billingCycles = ['monthly', 'annual'] as const;

/** The catalog, seeded from catalog/offers.json. Prices are in cents. */
export const offers = pgTable('offers', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  minQuantity: integer('min_quantity').notNull(),
  maxQuantity: integer('max_quantity').notNull(),
  unitPrice: integer('unit_price').notNull(),
  currency: text('currency').notNull(),
  billingCycle: text('billing_cycle', { enum: billingCycles }).notNull(),
});
