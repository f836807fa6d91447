import rateLimit from 'express-rate-limit';
import type { Router } from 'express';
import { z } from 'zod';
import { acceptInvitationLink, declineInvitationLink, invitationByToken } from '../../services/invitations';
import type { ApiDeps } from '../context';
import { AppError, errorBody } from '../errors';
import { escapeHtml, page } from '../html';
import type { ApiBuilder } from '../route';
import { partnershipSchema } from './partnerships';

const tokenParams = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, 'not a link token') });
const acceptBody = z.strictObject({ partnerId: z.string().trim().regex(/^\d{6,10}$/, '6 to 10 digits') });
const declineBody = z.strictObject({ reason: z.string().max(2_000).optional() });

/** Link tokens are the credential: slow down anyone guessing them. */
export function linkRateLimit(router: Router, prefix: string, perMinute: number) {
  router.use(
    prefix,
    rateLimit({
      windowMs: 60_000,
      limit: perMinute,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      handler: (req, res) => {
        res.status(429).json(errorBody(String(res.getHeader('x-request-id') ?? ''), 'RATE_LIMITED', 'Too many requests; slow down'));
      },
    }),
  );
}

const wantsHtml = (accept: string | undefined) => !!accept && accept.includes('text/html');

export function invitationLinkRoutes(api: ApiBuilder, deps: ApiDeps) {
  api.route({
    method: 'get',
    path: '/invitations/:token',
    summary: 'The personalised invitation page: who invites, their message, accept and decline',
    tag: 'Invitation links',
    access: 'public',
    params: tokenParams,
    responses: {
      200: { description: 'The page', html: true },
      404: { description: 'Unknown link', html: true },
      410: { description: 'Expired or revoked', html: true },
    },
    handle: async ({ params }) => {
      let invitation;
      try {
        invitation = await invitationByToken(deps, params.token);
      } catch (error) {
        if (error instanceof AppError && error.code === 'NOT_FOUND') {
          return { status: 404, html: page('Invitation not found', '<h1>Invitation not found</h1><p>This link is not valid. Check that you copied all of it.</p>') };
        }
        throw error;
      }
      const provider = escapeHtml(invitation.provider.name);
      if (invitation.status === 'expired' || invitation.status === 'revoked') {
        return {
          status: 410,
          html: page('Invitation no longer valid', `<h1>This invitation is no longer valid</h1><p>${provider}'s invitation was ${invitation.status}. Ask them to send a new one.</p>`),
        };
      }
      if (invitation.status !== 'pending') {
        return { status: 200, html: page('Invitation answered', `<h1>Invitation ${invitation.status}</h1><p>This invitation from ${provider} was already ${invitation.status}.</p>`) };
      }
      const action = (verb: string) => `/invitations/${encodeURIComponent(params.token)}/${verb}`;
      return {
        status: 200,
        html: page(
          `Partnership request from ${invitation.provider.name}`,
          `<h1>${provider} invites you to partner with them</h1>
<p>${provider} (partner id ${escapeHtml(invitation.provider.partnerId)}, ${escapeHtml(invitation.provider.country)}) is an indirect provider in the Cloud Solution Provider program and would like to work with you as an indirect reseller.</p>
${invitation.message ? `<blockquote>${escapeHtml(invitation.message)}</blockquote>` : ''}
<p>This invitation was sent to ${escapeHtml(invitation.resellerEmail)} and expires ${escapeHtml(invitation.expiresAt.toISOString())}.</p>
<form method="post" action="${action('accept')}">
<label>Your partner id <input name="partnerId" inputmode="numeric" pattern="[0-9]{6,10}" required></label>
<button type="submit">Accept</button></form>
<form method="post" action="${action('decline')}"><button type="submit">Decline</button></form>`,
        ),
      };
    },
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
    errors: [403, 404, 409, 410, 422, 429],
    responses: { 200: { description: 'Accepted', schema: z.object({ status: z.literal('accepted'), partnership: partnershipSchema }) } },
    handle: async ({ params, body, req }) => {
      const result = await acceptInvitationLink(deps, params.token, body.partnerId);
      if (wantsHtml(req.get('accept'))) {
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
    errors: [404, 409, 410, 429],
    responses: { 200: { description: 'Declined', schema: z.object({ status: z.literal('declined') }) } },
    handle: async ({ params, body, req }) => {
      const result = await declineInvitationLink(deps, params.token, body.reason);
      if (wantsHtml(req.get('accept'))) return { status: 200, html: page('Invitation declined', '<h1>Invitation declined</h1><p>The provider will see that you declined.</p>') };
      return { status: 200, json: result };
    },
  });
}
