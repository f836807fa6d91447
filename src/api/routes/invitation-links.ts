import type { Request } from 'express';
import { z } from 'zod';
import { publicPartnerId } from '../../domain/text';
import { formatDateTime } from '../../i18n/dates';
import { t } from '../../i18n/catalog';
import type { Language } from '../../i18n/language';
import { acceptInvitationLink, declineInvitationLink, invitationByToken } from '../../services/invitations';
import type { ApiDeps } from '../context';
import { escapeHtml, text } from '../html';
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
import type { ApiBuilder } from '../route';
import { partnershipSchema } from '../../views/partnership';
import { answerForms } from '../link-forms';

const acceptBody = z.strictObject({ partnerId: publicPartnerId });

export function invitationLinkRoutes(api: ApiBuilder, deps: ApiDeps) {
  api.route({
    method: 'get',
    path: '/invitations/:token',
    summary:
      "The personalised invitation page: who invites, their message, accept and decline (in Spanish or English: ?lang=, else the reseller's language, else Accept-Language)",
    tag: 'Invitation links',
    access: 'public',
    params: tokenParams,
    query: linkQuery,
    responses: linkPageResponses,
    handle: async ({ params, query, req }) =>
      linkPage(
        { kind: 'invitation', token: params.token, req, query },
        () => invitationByToken(deps, params.token),
        (invitation, language) => {
          const vars = {
            provider: invitation.provider.name,
            partnerId: invitation.provider.partnerId,
            country: invitation.provider.country,
          };
          const expiresAt = formatDateTime(language, invitation.expiresAt, invitation.reader.country);
          return {
            title: t(language, 'invitation.page.title', vars),
            body: `<h1>${text(language, 'invitation.page.title', vars)}</h1>
<p>${text(language, 'invitation.page.intro', vars)}</p>
${invitation.message ? `<h2>${text(language, 'invitation.page.messageHeading')}</h2><blockquote>${escapeHtml(invitation.message)}</blockquote>` : ''}
<p class="meta">${text(language, 'invitation.page.sentTo', { email: invitation.resellerEmail, expiresAt })}</p>
${answerForms({
  language,
  urls: linkUrls('invitation', params.token),
  acceptIntro: text(language, 'invitation.page.whatAcceptMeans', vars),
  acceptFields: `<label for="partnerId">${text(language, 'invitation.page.partnerIdLabel')}</label>
<input id="partnerId" name="partnerId" inputmode="numeric" pattern="[0-9]{6,10}" maxlength="10" required autocomplete="off" aria-describedby="partnerId-hint">
<p id="partnerId-hint" class="hint">${text(language, 'invitation.page.partnerIdHint')}</p>`,
  acceptButton: text(language, 'invitation.page.acceptButton'),
  declineButton: text(language, 'invitation.page.declineButton'),
})}`,
          };
        },
      ),
  });

  api.route({
    method: 'post',
    path: '/invitations/:token/accept',
    summary: "Accept with the reseller's partner id; creates the active partnership",
    tag: 'Invitation links',
    access: 'public',
    params: tokenParams,
    query: linkQuery,
    body: acceptBody,
    form: true,
    idempotent: 'in-handler',
    errors: [403, 404, 409, 410, 422, 429, 503],
    responses: {
      200: {
        description: 'Accepted',
        schema: z.object({ status: z.literal('accepted'), partnership: partnershipSchema }),
      },
    },
    handle: async ({ params, query, body, req, idempotencyKey }) => {
      const result = await acceptInvitationLink(deps, params.token, body.partnerId, idempotencyKey);
      if (!wantsHtml(req)) return { status: 200, json: result };
      return answered(params.token, query, req, 'accepted');
    },
  });

  api.route({
    method: 'post',
    path: '/invitations/:token/decline',
    summary: 'Decline the invitation',
    tag: 'Invitation links',
    access: 'public',
    params: tokenParams,
    query: linkQuery,
    body: declineBody,
    form: true,
    idempotent: 'in-handler',
    errors: [404, 409, 410, 429, 503],
    responses: { 200: { description: 'Declined', schema: z.object({ status: z.literal('declined') }) } },
    handle: async ({ params, query, body, req, idempotencyKey }) => {
      const result = await declineInvitationLink(deps, params.token, body.reason, idempotencyKey);
      if (!wantsHtml(req)) return { status: 200, json: result };
      return answered(params.token, query, req, 'declined');
    },
  });

  /** The confirmation page, in the language of the page the reseller answered on. */
  async function answered(token: string, query: { lang?: Language }, req: Request, outcome: 'accepted' | 'declined') {
    const invitation = await invitationByToken(deps, token);
    const language = pageLanguage(req, query, invitation.reader);
    return answeredPage({ kind: 'invitation', token, language }, outcome, { provider: invitation.provider.name });
  }
}
