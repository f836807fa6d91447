import { z } from 'zod';
import { uuid } from '../domain/text';
import { customerStatuses, type customers } from '../db/schema';
import { languages } from '../i18n/language';
import { partnerRefSchema } from './partner-ref';

/** A customer as every reply and event shows it. There is no password here, nor a hash of one. */
export const customerSchema = z.object({
  id: uuid,
  name: z.string(),
  domainPrefix: z.string(),
  domain: z.string(),
  country: z.string(),
  address: z.object({ line1: z.string(), city: z.string(), postalCode: z.string(), region: z.string().optional() }),
  contact: z.object({
    firstName: z.string(),
    lastName: z.string(),
    email: z.string(),
    phone: z.string().optional(),
    language: z.enum(languages).optional(),
  }),
  status: z.enum(customerStatuses),
  providerId: uuid,
  reseller: partnerRefSchema.nullable(),
  onboardingId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type CustomerView = z.infer<typeof customerSchema>;

/** Extension for `GET /v1/customers/:id`: the customer with its admin's username (never a password). */
export const customerWithAdminSchema = customerSchema.extend({ adminUsername: z.string().nullable() });

/** A customer row with its reseller's name and public id joined (db/queries/customers). */
export type CustomerRow = Pick<
  typeof customers.$inferSelect,
  | 'id'
  | 'name'
  | 'domainPrefix'
  | 'domain'
  | 'country'
  | 'address'
  | 'contact'
  | 'status'
  | 'providerId'
  | 'resellerId'
  | 'onboardingId'
  | 'createdAt'
  | 'updatedAt'
> & { resellerName: string | null; resellerPartnerId: string | null };

export function customerView(row: CustomerRow): CustomerView {
  return {
    id: row.id,
    name: row.name,
    domainPrefix: row.domainPrefix,
    domain: row.domain,
    country: row.country,
    address: row.address,
    contact: row.contact,
    status: row.status,
    providerId: row.providerId,
    reseller: row.resellerId
      ? { id: row.resellerId, name: row.resellerName!, partnerId: row.resellerPartnerId! }
      : null,
    onboardingId: row.onboardingId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
