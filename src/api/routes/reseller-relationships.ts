import { z } from 'zod';
import { uuid } from '../../domain/text';
import { resellerRelationshipSchema } from '../../views/reseller-relationship';
import {
  acceptRelationshipLink,
  declineRelationshipLink,
  getResellerRelationship,
  relationshipByToken,
  requestResellerRelationship,
  revokeResellerRelationship,
} from '../../services/reseller-relationships';
import type { ApiDeps } from '../context';
import type { Request } from 'express';
import { t } from '../../i18n/catalog';
import { formatDateTime } from '../../i18n/dates';
import type { Language } from '../../i18n/language';
import { text } from '../html';
import { answerForms } from '../link-forms';
import {
  answeredPage,
  declineBody,
  linkPage,
  linkPageResponses,
  linkQuery,
  linkTokenParams as tokenParams,
  linkUrls,
  pageLanguage,
  wantsHtml,
} from '../link-pages';
import { idParams, type ApiBuilder } from '../route';

export function resellerRelationshipRoutes(api: ApiBuilder, deps: ApiDeps) {
  api.route({
    method: 'post',
    path: '/v1/customers/:id/reseller-relationships',
    summary: "Ask the customer's contact to accept a reseller; runs reseller-relationship-<id>",
    tag: 'Reseller relationships',
    access: ['provider'],
    params: idParams,
    body: z.strictObject({ resellerId: uuid }),
    idempotent: true,
    errors: [404, 409, 422, 503],
    responses: {
      202: {
        description: "Started; the customer's contact gets a personal link by email",
        schema: resellerRelationshipSchema,
      },
      200: {
        description: 'A pending request for this reseller exists already; here it is',
        schema: resellerRelationshipSchema,
      },
    },
    handle: async ({ caller, params, body }) => {
      const { created, relationship } = await requestResellerRelationship(
        deps,
        caller.partner,
        params.id,
        body.resellerId,
      );
      return { status: created ? 202 : 200, json: relationship };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/reseller-relationships/:id',
    summary: 'One reseller relationship request (the provider that asked, or the reseller it names)',
    tag: 'Reseller relationships',
    access: ['provider', 'reseller'],
    params: idParams,
    errors: [404],
    responses: { 200: { description: 'The request', schema: resellerRelationshipSchema } },
    handle: async ({ caller, params }) => ({
      status: 200,
      json: await getResellerRelationship(deps, caller.partner, params.id),
    }),
  });

  api.route({
    method: 'post',
    path: '/v1/reseller-relationships/:id/revoke',
    summary: 'Withdraw a pending request; its link stops working',
    tag: 'Reseller relationships',
    access: ['provider'],
    params: idParams,
    errors: [404, 409],
    responses: { 200: { description: 'Revoked', schema: resellerRelationshipSchema } },
    handle: async ({ caller, params }) => ({
      status: 200,
      json: await revokeResellerRelationship(deps, caller.partner, params.id),
    }),
  });

  api.route({
    method: 'get',
    path: '/reseller-relationships/:token',
    summary:
      "The page the customer's contact opens: who asks, for which reseller, accept and decline (Spanish or English: ?lang=, else the contact's language, else Accept-Language)",
    tag: 'Reseller relationship links',
    access: 'public',
    params: tokenParams,
    query: linkQuery,
    responses: linkPageResponses,
    handle: async ({ params, query, req }) =>
      linkPage(
        { kind: 'relationship', token: params.token, req, query },
        () => relationshipByToken(deps, params.token),
        (relationship, language) => {
          const vars = {
            provider: relationship.provider.name,
            reseller: relationship.reseller.name,
            partnerId: relationship.reseller.partnerId,
            country: relationship.reseller.country,
            customer: relationship.customer.name,
            domain: relationship.customer.domain,
          };
          const expiresAt = formatDateTime(language, relationship.expiresAt, relationship.reader.country);
          return {
            title: t(language, 'relationship.page.title', vars),
            body: `<h1>${text(language, 'relationship.page.title', vars)}</h1>
<p>${text(language, 'relationship.page.intro', vars)}</p>
<p class="meta">${text(language, 'relationship.page.expires', { expiresAt })}</p>
${answerForms({
  language,
  urls: linkUrls('relationship', params.token),
  acceptIntro: text(language, 'relationship.page.whatAcceptMeans', vars),
  acceptButton: text(language, 'relationship.page.acceptButton', vars),
  declineButton: text(language, 'relationship.page.declineButton'),
})}`,
          };
        },
      ),
  });

  api.route({
    method: 'post',
    path: '/reseller-relationships/:token/accept',
    summary: 'Accept: the reseller becomes the reseller of the customer',
    tag: 'Reseller relationship links',
    access: 'public',
    params: tokenParams,
    query: linkQuery,
    errors: [404, 409, 410, 422, 429],
    responses: {
      200: {
        description: 'Accepted',
        schema: z.object({
          status: z.literal('accepted'),
          relationship: resellerRelationshipSchema,
          reseller: z.object({ name: z.string(), partnerId: z.string() }),
        }),
      },
    },
    handle: async ({ params, query, req }) => {
      const result = await acceptRelationshipLink(deps, params.token);
      if (!wantsHtml(req)) return { status: 200, json: result };
      return answered(params.token, query, req, 'accepted');
    },
  });

  api.route({
    method: 'post',
    path: '/reseller-relationships/:token/decline',
    summary: 'Decline the request',
    tag: 'Reseller relationship links',
    access: 'public',
    params: tokenParams,
    query: linkQuery,
    body: declineBody,
    form: true,
    errors: [404, 409, 410, 429],
    responses: { 200: { description: 'Declined', schema: z.object({ status: z.literal('declined') }) } },
    handle: async ({ params, query, body, req }) => {
      const result = await declineRelationshipLink(deps, params.token, body.reason);
      if (!wantsHtml(req)) return { status: 200, json: result };
      return answered(params.token, query, req, 'declined');
    },
  });

  /** The confirmation page, in the language of the page the contact answered on. */
  async function answered(token: string, query: { lang?: Language }, req: Request, outcome: 'accepted' | 'declined') {
    const relationship = await relationshipByToken(deps, token);
    const language = pageLanguage(req, query, relationship.reader);
    return answeredPage({ kind: 'relationship', token, language }, outcome, {
      provider: relationship.provider.name,
      reseller: relationship.reseller.name,
    });
  }
}
