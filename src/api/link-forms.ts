import type { Language } from '../i18n/language';
import { escapeHtml, text } from './html';
import type { linkUrls } from './link-pages';

/**
 * The two answers a link page offers, as plain HTML forms that work without JavaScript: accept
 * (with the fields the request needs) and decline with an optional reason. Each form posts to a
 * URL carrying the page's language, so the confirmation or refusal comes back in it. Arguments
 * other than `language` and `urls` are HTML, already escaped.
 */
export function answerForms(options: {
  language: Language;
  urls: ReturnType<typeof linkUrls>;
  acceptIntro: string;
  acceptFields?: string;
  acceptButton: string;
  declineButton: string;
}): string {
  const { language, urls } = options;
  return `<section class="card" aria-labelledby="accept-heading">
<h2 id="accept-heading">${text(language, 'link.acceptHeading')}</h2>
<p>${options.acceptIntro}</p>
<form method="post" action="${escapeHtml(urls.answer('accept', language))}">
${options.acceptFields ?? ''}<button type="submit">${options.acceptButton}</button>
</form></section>
<section class="card" aria-labelledby="decline-heading">
<h2 id="decline-heading">${text(language, 'link.declineHeading')}</h2>
<form method="post" action="${escapeHtml(urls.answer('decline', language))}">
<label for="reason">${text(language, 'link.declineReasonLabel')}</label>
<textarea id="reason" name="reason" maxlength="2000" rows="3" aria-describedby="reason-hint"></textarea>
<p id="reason-hint" class="hint">${text(language, 'link.declineReasonHint')}</p>
<button type="submit" class="secondary">${options.declineButton}</button>
</form></section>`;
}
