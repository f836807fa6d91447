import { z } from 'zod';
import { acceptInvitationLink, declineInvitationLink, invitationByToken } from '../../services/invitations';
import type { ApiDeps } from '../context';
import { escapeHtml, page } from '../html';
import { declineBody, linkPage, linkPageResponses, linkTokenParams as tokenParams, wantsHtml } from '../link-pages';
import type { ApiBuilder } from '../route';
import { partnershipSchema } from './partnerships';

const acceptBody = z.strictObject({ partnerId: z.string().trim().regex(/^\d{6,10}$/, '6 to 10 digits') });

export function invitationLinkRoutes(api: ApiBuilder, deps: ApiDeps) {
  api.route({
    method: 'get',
    path: '/invitations/:token',
    summary: 'The personalised invitation page: who invites, their message, accept and decline',
    tag: 'Invitation links',
    access: 'public',
    params: tokenParams,
    responses: linkPageResponses,
    handle: async ({ params }) =>
      linkPage('invitation', () => invitationByToken(deps, params.token), (invitation) => {
        const provider = escapeHtml(invitation.provider.name);
        const action = (verb: string) => `/invitations/${encodeURIComponent(params.token)}/${verb}`;
        return {
          title: `Partnership request from ${invitation.provider.name}`,
          body: `<h1>${provider} invites you to partner with them</h1>
<p>${provider} (partner id ${escapeHtml(invitation.provider.partnerId)}, ${escapeHtml(invitation.provider.country)}) is an indirect provider in the Cloud Solution Provider program and would like to work with you as an indirect reseller.</p>
${invitation.message ? `<blockquote>${escapeHtml(invitation.message)}</blockquote>` : ''}
<p>This invitation was sent to ${escapeHtml(invitation.resellerEmail)} and expires ${escapeHtml(invitation.expiresAt.toISOString())}.</p>
<form method="post" action="${action('accept')}">
<label>Your partner id <input name="partnerId" inputmode="numeric" pattern="[0-9]{6,10}" required></label>
<button type="submit">Accept</button></form>
<form method="post" action="${action('decline')}"><button type="submit">Decline</button></form>`,
        };
      }),
  });

  api.route({
    method: 'post',
    path: '/invitations/:token/accept',
    summary: "Accept with the reseller's partner id; creates the active partnership",
    tag: 'Invitation links',
    access: 'public',
    params: tokenParams,
    body: acceptBody,
    form: true,
    idempotent: 'in-handler',
    errors: [403, 404, 409, 410, 422, 429, 503],
    responses: { 200: { description: 'Accepted', schema: z.object({ status: z.literal('accepted'), partnership: partnershipSchema }) } },
    handle: async ({ params, body, req, idempotencyKey }) => {
      const result = await acceptInvitationLink(deps, params.token, body.partnerId, idempotencyKey);
      if (wantsHtml(req)) {
        return { status: 200, html: page('Partnership accepted', `<h1>You are now partners</h1><p>You and ${escapeHtml(result.partnership?.provider.name ?? 'the provider')} are partners in CSP.</p>`) };
      }
      return { status: 200, json: result };
    },
  });

  api.route({
    method: 'post',
    path: '/invitations/:token/decline',
    summary: 'Decline the invitation',
    tag: 'Invitation links',
    access: 'public',
    params: tokenParams,
    body: declineBody,
    form: true,
    idempotent: 'in-handler',
    errors: [404, 409, 410, 429, 503],
    responses: { 200: { description: 'Declined', schema: z.object({ status: z.literal('declined') }) } },
    handle: async ({ params, body, req, idempotencyKey }) => {
      const result = await declineInvitationLink(deps, params.token, body.reason, idempotencyKey);
      if (wantsHtml(req)) return { status: 200, html: page('Invitation declined', '<h1>Invitation declined</h1><p>The provider will see that you declined.</p>') };
      return { status: 200, json: result };
    },
  });
}
