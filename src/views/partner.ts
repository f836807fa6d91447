import { z } from 'zod';
import { uuid } from '../domain/text';
import { partnerKinds, type partners } from '../db/schema';
import { languages } from '../i18n/language';

/** A provider or reseller as the API shows it; never its API key or the key's hash. */
export const partnerSchema = z.object({
  id: uuid,
  kind: z.enum(partnerKinds),
  partnerId: z.string(),
  name: z.string(),
  email: z.string(),
  country: z.string(),
  cspEnrolled: z.boolean(),
  profile: z.string().nullable(),
  language: z.enum(languages).nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type PartnerView = z.infer<typeof partnerSchema>;

/** Extension for registration: the partner with its API key, shown this once. */
export const partnerWithKeySchema = z.object({ partner: partnerSchema, apiKey: z.string() });

/** A provider in the public directory: what anyone may read about it. */
export const providerListingSchema = partnerSchema.pick({
  id: true,
  name: true,
  partnerId: true,
  country: true,
  profile: true,
});

type PartnerRow = Pick<
  typeof partners.$inferSelect,
  | 'id'
  | 'kind'
  | 'partnerId'
  | 'name'
  | 'email'
  | 'country'
  | 'cspEnrolled'
  | 'profile'
  | 'language'
  | 'createdAt'
  | 'updatedAt'
>;

export function partnerView(partner: PartnerRow): PartnerView {
  return {
    id: partner.id,
    kind: partner.kind,
    partnerId: partner.partnerId,
    name: partner.name,
    email: partner.email,
    country: partner.country,
    cspEnrolled: partner.cspEnrolled,
    profile: partner.profile,
    language: partner.language,
    createdAt: partner.createdAt.toISOString(),
    updatedAt: partner.updatedAt.toISOString(),
  };
}
