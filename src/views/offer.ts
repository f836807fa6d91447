import { z } from 'zod';
import { billingFrequencies, subscriptionTerms } from '../domain/subscription-billing';
import { billingCycles } from '../db/schema';

/** An offer of the catalog, as `GET /v1/offers` shows it: the catalog row itself. */
export const offerSchema = z.object({
  id: z.string(),
  name: z.string(),
  minQuantity: z.number().int(),
  maxQuantity: z.number().int(),
  unitPrice: z.number().int().describe('cents'),
  currency: z.string(),
  billingCycle: z.enum(billingCycles),
  terms: z
    .array(z.object({ term: z.enum(subscriptionTerms), billingFrequencies: z.array(z.enum(billingFrequencies)) }))
    .describe('the terms sold (ISO 8601) and the billing frequencies of each; the first term is the default'),
});
export type OfferView = z.infer<typeof offerSchema>;
