import { z } from 'zod';
import { uuid } from '../domain/text';
import { partnershipStatuses, type partnerships } from '../db/schema';
import { partnerRefSchema, type PartnerRef } from './partner-ref';

/** A partnership between a provider and a reseller, as every reply and `partnership.*` event shows it. */
export const partnershipSchema = z.object({
  id: uuid,
  provider: partnerRefSchema,
  reseller: partnerRefSchema,
  status: z.enum(partnershipStatuses),
  createdAt: z.string(),
  removedAt: z.string().nullable(),
});
export type PartnershipView = z.infer<typeof partnershipSchema>;

/** A partnership row with both sides joined (db/queries/partnerships). */
type PartnershipRow = Pick<typeof partnerships.$inferSelect, 'id' | 'status' | 'createdAt' | 'removedAt'> & {
  provider: PartnerRef;
  reseller: PartnerRef;
};

export function partnershipView(partnership: PartnershipRow): PartnershipView {
  return {
    id: partnership.id,
    provider: partnership.provider,
    reseller: partnership.reseller,
    status: partnership.status,
    createdAt: partnership.createdAt.toISOString(),
    removedAt: partnership.removedAt?.toISOString() ?? null,
  };
}
