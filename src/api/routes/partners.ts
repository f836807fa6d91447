import { z } from 'zod';
import { countryCode, emailAddress, freeText, publicPartnerId, singleLine } from '../../domain/text';
import { isUniqueViolation } from '../../db/errors';
import { createPartner, getPartnerById, listProviders, updatePartner } from '../../db/queries/partners';
import { listOffers } from '../../db/queries/offers';
import { languages } from '../../i18n/language';
import { newApiKey, sha256 } from '../../security/tokens';
import { offerSchema } from '../../views/offer';
import { partnerSchema, partnerView, partnerWithKeySchema, providerListingSchema } from '../../views/partner';
import { AppError, notFound } from '../../domain/errors';
import { idParams, patchOf, type ApiBuilder } from '../route';

const language = z
  .enum(languages)
  .describe('emails and link pages; unset: Spanish in a Spanish-speaking country, else English');

const partnerFields = {
  name: singleLine(200),
  email: emailAddress,
  partnerId: publicPartnerId,
  country: countryCode,
  profile: freeText(5_000).optional(),
  language: language.optional(),
};

/** `cspEnrolled` (enrolled as an indirect reseller) exists for resellers only. */
const createPartnerBody = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('provider'), ...partnerFields }),
  z.strictObject({ kind: z.literal('reseller'), ...partnerFields, cspEnrolled: z.boolean().optional() }),
]);

const updatePartnerBody = patchOf({
  name: singleLine(200),
  email: emailAddress,
  country: countryCode,
  cspEnrolled: z.boolean().describe('resellers only; 422 for a provider'),
  profile: freeText(5_000).nullable(),
  language: language.nullable(),
});

export function partnerRoutes(api: ApiBuilder, deps: { db: import('../../db/client').Db }) {
  api.route({
    method: 'post',
    path: '/v1/partners',
    summary: 'Register a provider or reseller; answers its API key once',
    tag: 'Partners',
    access: ['operator'],
    body: createPartnerBody,
    errors: [409],
    responses: {
      201: { description: 'Created; keep the apiKey, it is not shown again', schema: partnerWithKeySchema },
    },
    handle: async ({ body }) => {
      const apiKey = newApiKey();
      try {
        const partner = await createPartner(deps.db, {
          ...body,
          email: body.email,
          cspEnrolled: body.kind === 'reseller' ? (body.cspEnrolled ?? false) : false,
          apiKeyHash: sha256(apiKey),
        });
        return { status: 201, json: { partner: partnerView(partner), apiKey } };
      } catch (error) {
        if (isUniqueViolation(error))
          throw new AppError('CONFLICT', `partnerId ${body.partnerId} is already registered`);
        throw error;
      }
    },
  });

  api.route({
    method: 'get',
    path: '/v1/partners/me',
    summary: "The caller's own partner record",
    tag: 'Partners',
    access: ['provider', 'reseller'],
    responses: { 200: { description: 'The partner', schema: partnerSchema } },
    // The record itself, not the authenticator's copy (which may be API_KEY_CACHE_TTL old).
    handle: async ({ caller }) => {
      const partner = await getPartnerById(deps.db, caller.partner.id);
      if (!partner) throw notFound('Partner');
      return { status: 200, json: partnerView(partner) };
    },
  });

  api.route({
    method: 'patch',
    path: '/v1/partners/:id',
    summary:
      'Change a partner\'s public profile or enrollment (operator only, as the seed\'s "contact your representative")',
    tag: 'Partners',
    access: ['operator'],
    params: idParams,
    body: updatePartnerBody,
    errors: [404, 422],
    responses: { 200: { description: 'The updated partner', schema: partnerSchema } },
    handle: async ({ params, body }) => {
      const existing = await getPartnerById(deps.db, params.id);
      if (!existing) throw notFound('Partner');
      if (body.cspEnrolled !== undefined && existing.kind !== 'reseller') {
        throw new AppError('BUSINESS_RULE', 'cspEnrolled applies to resellers only');
      }
      const partner = await updatePartner(deps.db, params.id, body);
      api.authenticator.forgetPartner(params.id);
      return { status: 200, json: partnerView(partner!) };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/providers',
    summary: 'The public directory of indirect providers',
    tag: 'Partners',
    access: 'public',
    responses: {
      200: {
        description: 'Providers by name',
        schema: z.object({ items: z.array(providerListingSchema) }),
      },
    },
    handle: async () => ({ status: 200, json: { items: await listProviders(deps.db) } }),
  });

  api.route({
    method: 'get',
    path: '/v1/offers',
    summary: 'The catalog of offers',
    tag: 'Catalog',
    access: ['operator', 'provider', 'reseller'],
    responses: { 200: { description: 'Offers', schema: z.object({ items: z.array(offerSchema) }) } },
    handle: async () => ({ status: 200, json: { items: await listOffers(deps.db) } }),
  });
}
