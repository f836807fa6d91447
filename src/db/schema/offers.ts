import { integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import type { OfferTerm } from '../../domain/subscription-billing';

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
  /** The terms sold and the billing frequencies of each; the first term is the default. */
  terms: jsonb('terms').$type<OfferTerm[]>().notNull(),
});
