import { asc, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client';
import type { Language } from '../../i18n/language';
import { partners, type PartnerKind } from '../schema';
import { preparedQuery } from './prepared';

/** The columns a partner is shown with; never the key hash. */
export const partnerColumns = {
  id: partners.id,
  kind: partners.kind,
  partnerId: partners.partnerId,
  name: partners.name,
  email: partners.email,
  country: partners.country,
  cspEnrolled: partners.cspEnrolled,
  profile: partners.profile,
  language: partners.language,
  createdAt: partners.createdAt,
  updatedAt: partners.updatedAt,
};
export type Partner = { [K in keyof typeof partnerColumns]: (typeof partners.$inferSelect)[K] };

export type CreatePartnerParams = {
  kind: PartnerKind;
  partnerId: string;
  name: string;
  email: string;
  country: string;
  cspEnrolled: boolean;
  profile?: string | null;
  language?: Language | null;
  apiKeyHash: string;
};

export async function createPartner(db: DbOrTx, params: CreatePartnerParams): Promise<Partner> {
  const [partner] = await db.insert(partners).values(params).returning(partnerColumns);
  return partner!;
}

const partnerBy = preparedQuery((db, shape: { key: 'id' | 'apiKeyHash' | 'partnerId' }) =>
  db
    .select(partnerColumns)
    .from(partners)
    .where(eq(partners[shape.key], sql.placeholder('value')))
    .prepare('partner_by'),
);

export async function getPartnerById(db: DbOrTx, id: string): Promise<Partner | undefined> {
  const [partner] = await partnerBy(db, { key: 'id' }).execute({ value: id });
  return partner;
}

export async function getPartnerByApiKeyHash(db: DbOrTx, apiKeyHash: string): Promise<Partner | undefined> {
  const [partner] = await partnerBy(db, { key: 'apiKeyHash' }).execute({ value: apiKeyHash });
  return partner;
}

export async function getPartnerByPublicId(db: DbOrTx, partnerId: string): Promise<Partner | undefined> {
  const [partner] = await partnerBy(db, { key: 'partnerId' }).execute({ value: partnerId });
  return partner;
}

const resellersByEmail = preparedQuery((db) =>
  db
    .select(partnerColumns)
    .from(partners)
    .where(sql`${partners.kind} = 'reseller' and lower(${partners.email}) = ${sql.placeholder('email')}`)
    .prepare('resellers_by_email'),
);

export async function findResellersByEmail(db: DbOrTx, email: string): Promise<Partner[]> {
  return resellersByEmail(db).execute({ email: email.toLowerCase() });
}

export type UpdatePartnerParams = Partial<
  Pick<CreatePartnerParams, 'name' | 'email' | 'country' | 'cspEnrolled' | 'profile' | 'language'>
>;

export async function updatePartner(db: DbOrTx, id: string, params: UpdatePartnerParams): Promise<Partner | undefined> {
  const [partner] = await db
    .update(partners)
    .set({ ...params, updatedAt: new Date() })
    .where(eq(partners.id, id))
    .returning(partnerColumns);
  return partner;
}

export async function listProviders(db: DbOrTx) {
  return db
    .select({
      id: partners.id,
      name: partners.name,
      partnerId: partners.partnerId,
      country: partners.country,
      profile: partners.profile,
    })
    .from(partners)
    .where(eq(partners.kind, 'provider'))
    .orderBy(asc(partners.name), asc(partners.id));
}
