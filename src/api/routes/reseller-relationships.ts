import { z } from 'zod';
import { uuid } from '../../domain/text';
import { resellerRelationshipStatuses } from '../../db/schema';
import {
  acceptRelationshipLink,
  declineRelationshipLink,
  getResellerRelationship,
  relationshipByToken,
  requestResellerRelationship,
  revokeResellerRelationship,
} from '../../services/reseller-relationships';
import type { ApiDeps } from '../context';
import { escapeHtml, page } from '../html';
import { declineBody, linkPage, linkPageResponses, linkTokenParams as tokenParams, wantsHtml } from '../link-pages';
import { idParams, type ApiBuilder } from '../route';

export const resellerRelationshipSchema = z.object({
  id: uuid,
  status: z.enum(resellerRelationshipStatuses),
  providerId: uuid,
  customerId: uuid,
  resellerId: uuid,
  expiresAt: z.string(),
  reminderSentAt: z.string().nullable(),
  declineReason: z.string().nullable(),
  workflowId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});


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
      202: { description: "Started; the customer's contact gets a personal link by email", schema: resellerRelationshipSchema },
      200: { description: 'A pending request for this reseller exists already; here it is', schema: resellerRelationshipSchema },
    },
    handle: async ({ caller, params, body }) => {
      const { created, relationship } = await requestResellerRelationship(deps, caller.partner, params.id, body.resellerId);
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
    handle: async ({ caller, params }) => ({ status: 200, json: await getResellerRelationship(deps, caller.partner, params.id) }),
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
    handle: async ({ caller, params }) => ({ status: 200, json: await revokeResellerRelationship(deps, caller.partner, params.id) }),
  });

  api.route({
    method: 'get',
    path: '/reseller-relationships/:token',
    summary: "The page the customer's contact opens: who asks, for which reseller, accept and decline",
    tag: 'Reseller relationship links',
    access: 'public',
    params: tokenParams,
    responses: linkPageResponses,
    handle: async ({ params }) =>
      linkPage('request', () => relationshipByToken(deps, params.token), (relationship) => {
        const provider = escapeHtml(relationship.provider.name);
        const reseller = escapeHtml(relationship.reseller.name);
        const action = (verb: string) => `/reseller-relationships/${encodeURIComponent(params.token)}/${verb}`;
        return {
          title: `${relationship.provider.name} asks that ${relationship.reseller.name} manage ${relationship.customer.name}`,
          body: `<h1>A new reseller for ${escapeHtml(relationship.customer.name)}</h1>
<p>${provider}, your cloud subscriptions provider, asks that ${reseller} (partner id ${escapeHtml(relationship.reseller.partnerId)}, ${escapeHtml(relationship.reseller.country)}) becomes the reseller of ${escapeHtml(relationship.customer.domain)}, with delegated administration rights.</p>
<p>This request expires ${escapeHtml(relationship.expiresAt.toISOString())}.</p>
<form method="post" action="${action('accept')}"><button type="submit">Accept</button></form>
<form method="post" action="${action('decline')}"><button type="submit">Decline</button></form>`,
        };
      }),
  });

  api.route({
    method: 'post',
    path: '/reseller-relationships/:token/accept',
    summary: 'Accept: the reseller becomes the reseller of the customer',
    tag: 'Reseller relationship links',
    access: 'public',
    params: tokenParams,
    errors: [404, 409, 410, 422, 429],
    responses: {
      200: {
        description: 'Accepted',
        schema: z.object({ status: z.literal('accepted'), relationship: resellerRelationshipSchema, reseller: z.object({ name: z.string(), partnerId: z.string() }) }),
      },
    },
    handle: async ({ params, req }) => {
      const result = await acceptRelationshipLink(deps, params.token);
      if (wantsHtml(req)) {
        return { status: 200, html: page('Request accepted', `<h1>Accepted</h1><p>${escapeHtml(result.reseller.name)} is now your reseller.</p>`) };
      }
      return { status: 200, json: result };
    },
  });

  api.route({
    method: 'post',
    path: '/reseller-relationships/:token/decline',
    summary: 'Decline the request',
    tag: 'Reseller relationship links',
    access: 'public',
    params: tokenParams,
    body: declineBody,
    form: true,
    errors: [404, 409, 410, 429],
    responses: { 200: { description: 'Declined', schema: z.object({ status: z.literal('declined') }) } },
    handle: async ({ params, body, req }) => {
      const result = await declineRelationshipLink(deps, params.token, body.reason);
      if (wantsHtml(req)) return { status: 200, html: page('Request declined', '<h1>Request declined</h1><p>Your provider will see that you declined.</p>') };
      return { status: 200, json: result };
    },
  });
}
