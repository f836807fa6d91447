import { z } from 'zod';
import { emailAddress, freeText } from '../../domain/text';
import { invitationStatuses } from '../../db/schema';
import {
  getInvitation,
  inviteReseller,
  listProviderInvitations,
  resendInvitation,
  revokeInvitation,
} from '../../services/invitations';
import type { ApiDeps } from '../context';
import { invitationSchema } from '../../views/invitation';
import { cursorFrom } from '../cursor';
import { idParams, listQuery, pageOf, type ApiBuilder } from '../route';

const inviteBody = z.strictObject({
  resellerEmail: emailAddress,
  message: freeText(2_000).optional(),
});

const listInvitationsQuery = listQuery.extend({ status: z.enum(invitationStatuses).optional() });

export function invitationRoutes(api: ApiBuilder, deps: ApiDeps) {
  api.route({
    method: 'post',
    path: '/v1/invitations',
    summary: 'Invite a reseller into a partnership by email',
    tag: 'Invitations',
    access: ['provider'],
    body: inviteBody,
    idempotent: true,
    errors: [409, 422, 503],
    responses: {
      202: { description: 'Invitation started; the reseller gets a personal link by email', schema: invitationSchema },
      200: { description: 'A pending invitation to that address exists already; here it is', schema: invitationSchema },
    },
    handle: async ({ caller, body, idempotencyKey }) => {
      const { created, invitation } = await inviteReseller(deps, caller.partner, body, idempotencyKey);
      return { status: created ? 202 : 200, json: invitation };
    },
  });

  api.route({
    method: 'get',
    path: '/v1/invitations',
    summary: "The provider's invitations, newest first",
    tag: 'Invitations',
    access: ['provider'],
    query: listInvitationsQuery,
    responses: { 200: { description: 'A page of invitations', schema: pageOf(invitationSchema) } },
    handle: async ({ caller, query }) => ({
      status: 200,
      json: await listProviderInvitations(deps, {
        providerId: caller.partner.id,
        status: query.status,
        limit: query.limit,
        cursor: cursorFrom(query.cursor),
      }),
    }),
  });

  api.route({
    method: 'get',
    path: '/v1/invitations/:id',
    summary: 'One invitation',
    tag: 'Invitations',
    access: ['provider'],
    params: idParams,
    errors: [404],
    responses: { 200: { description: 'The invitation', schema: invitationSchema } },
    handle: async ({ caller, params }) => ({ status: 200, json: await getInvitation(deps, caller.partner, params.id) }),
  });

  api.route({
    method: 'post',
    path: '/v1/invitations/:id/resend',
    summary: 'Email the same link again and restart the expiry clock',
    tag: 'Invitations',
    access: ['provider'],
    params: idParams,
    errors: [404, 409],
    responses: { 200: { description: 'Resent; expiresAt moved', schema: invitationSchema } },
    handle: async ({ caller, params }) => ({
      status: 200,
      json: await resendInvitation(deps, caller.partner, params.id),
    }),
  });

  api.route({
    method: 'post',
    path: '/v1/invitations/:id/revoke',
    summary: 'Withdraw a pending invitation; its link stops working',
    tag: 'Invitations',
    access: ['provider'],
    params: idParams,
    errors: [404, 409],
    responses: { 200: { description: 'Revoked', schema: invitationSchema } },
    handle: async ({ caller, params }) => ({
      status: 200,
      json: await revokeInvitation(deps, caller.partner, params.id),
    }),
  });
}
