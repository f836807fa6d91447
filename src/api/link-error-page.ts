import type { Request } from 'express';
import { hasMessage, t } from '../i18n/catalog';
import { linkPageLanguage } from '../i18n/language';
import { escapeHtml, page, text } from './html';

/** The public pages behind emailed links; everything else is the JSON API. */
export const isLinkPath = (path: string) =>
  /^\/(invitations|reseller-relationships)\/[^/]+(\/(accept|decline))?$/.test(path);

/**
 * What a person sees when their answer on a link page is refused: in their language (`?lang=` that
 * the forms carry, else the browser's), what went wrong and what to do now, a way back to the page,
 * and the request id to quote. Internal messages never reach it: only the code picks the text.
 */
export function linkErrorPage(req: Request, code: string, requestId: string): string {
  const language = linkPageLanguage({ query: req.query.lang, acceptLanguage: req.get('accept-language') });
  const pagePath = req.path.replace(/\/(accept|decline)$/, '');
  // A malformed token in the page's own address is a bad link, not a mistyped form.
  const explanation = req.method === 'GET' && code === 'VALIDATION_FAILED' ? 'error.NOT_FOUND' : `error.${code}`;
  const answering = pagePath !== req.path;
  return page({
    language,
    title: t(language, 'error.title'),
    inLanguage: (other) => `${pagePath}?lang=${other}`,
    body: `<h1>${text(language, 'error.title')}</h1>
<div class="card notice problem"><p>${text(language, hasMessage(explanation) ? explanation : 'error.default')}</p>
${answering ? `<p><a class="button" href="${escapeHtml(`${pagePath}?lang=${language}`)}">${text(language, 'error.back')}</a></p>` : ''}</div>
<p class="meta">${text(language, 'error.reference', { requestId })}</p>`,
  });
}
