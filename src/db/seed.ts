import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { DbOrTx } from './client';
import { upsertOffers } from './queries/offers';
import { createPartner, getPartnerByPublicId, type Partner } from './queries/partners';
import { billingCycles } from './schema';
import { billingFrequencies, frequenciesForTerm, subscriptionTerms } from '../domain/subscription-billing';
import { sha256 } from '../security/tokens';

const catalogSchema = z
  .array(
    z.strictObject({
      id: z.string().regex(/^[a-z0-9-]+$/),
      name: z.string().min(1),
      minQuantity: z.number().int().min(1),
      maxQuantity: z.number().int().min(1),
      unitPrice: z.number().int().min(0),
      currency: z.string().regex(/^[A-Z]{3}$/),
      billingCycle: z.enum(billingCycles),
      terms: z
        .array(
          z.strictObject({
            term: z.enum(subscriptionTerms),
            billingFrequencies: z.array(z.enum(billingFrequencies)).min(1),
          }),
        )
        .min(1)
        .refine(
          (terms) =>
            terms.every((entry) =>
              entry.billingFrequencies.every((frequency) => frequenciesForTerm(entry.term).includes(frequency)),
            ),
          'a billing frequency longer than its term',
        ),
    }),
  )
  .min(8)
  .refine((offers) => offers.every((offer) => offer.minQuantity <= offer.maxQuantity), 'minQuantity above maxQuantity');

export const catalogPath = path.resolve(import.meta.dirname, '../../catalog/offers.json');

/** Loads the catalog fixture into the offers table; safe to run at every start. */
export async function seedCatalog(db: DbOrTx): Promise<number> {
  const catalog = catalogSchema.parse(JSON.parse(readFileSync(catalogPath, 'utf8')));
  await upsertOffers(db, catalog);
  return catalog.length;
}

export type DemoKeys = { providerApiKey: string; resellerApiKey: string };

/** Dev mode's demo provider and an enrolled reseller in the same country, created once. */
export async function seedDemoPartners(db: DbOrTx, keys: DemoKeys): Promise<{ provider: Partner; reseller: Partner }> {
  const ensure = async (params: Parameters<typeof createPartner>[1]) =>
    (await getPartnerByPublicId(db, params.partnerId)) ?? createPartner(db, params);
  const provider = await ensure({
    kind: 'provider',
    partnerId: '1000001',
    name: 'Contoso Distribution',
    email: 'partners@contoso-distribution.example',
    country: 'ES',
    cspEnrolled: false,
    profile: 'Indirect provider for Spain: Microsoft 365, Azure and Dynamics 365 through local resellers.',
    apiKeyHash: sha256(keys.providerApiKey),
  });
  const reseller = await ensure({
    kind: 'reseller',
    partnerId: '2000001',
    name: 'Fabrikam IT Services',
    email: 'sales@fabrikam-it.example',
    country: 'ES',
    cspEnrolled: true,
    profile: null,
    apiKeyHash: sha256(keys.resellerApiKey),
  });
  return { provider, reseller };
}
