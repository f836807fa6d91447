import { z } from 'zod';
import { uuid } from '../domain/text';

/** A partner named inside another resource (a customer's reseller, a support contact, a partnership's sides). */
export const partnerRefSchema = z.object({ id: uuid, name: z.string(), partnerId: z.string() });
export type PartnerRef = z.infer<typeof partnerRefSchema>;
