import { t, type MessageKey, type MessageVars } from '../i18n/catalog';
import { languages, type Language } from '../i18n/language';

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML; every value put into a page goes through it. */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => escapes[char]!);

/** A catalog message, filled in and escaped for HTML (catalog texts hold no markup). */
export const text = (language: Language, key: MessageKey, vars?: MessageVars) => escapeHtml(t(language, key, vars));

/** Where the one stylesheet is served (see routes/assets.ts). */
export const stylesheetPath = '/assets/style.css';

/** Each language named in itself, for the language switch. */
const languageNames: Record<Language, string> = { es: 'Español', en: 'English' };

export type PageOptions = {
  language: Language;
  title: string;
  /** Inner HTML of <main>; values in it are already escaped. */
  body: string;
  /** The URL of this page in another language; without it the page has no language switch. */
  inLanguage?: (language: Language) => string;
  /** A closing line, already escaped. */
  footer?: string;
};

/**
 * A whole page: `<html lang>` says its language, one stylesheet served by the app, nothing loaded
 * from elsewhere, no script. The text of the frame itself comes from the catalog.
 */
export function page({ language, title, body, inLanguage, footer }: PageOptions): string {
  const languageSwitch = inLanguage
    ? `<nav aria-label="${text(language, 'page.languages')}"><ul>${languages
        .map(
          (other) =>
            `<li><a href="${escapeHtml(inLanguage(other))}" hreflang="${other}" lang="${other}"${other === language ? ' aria-current="page"' : ''}>${languageNames[other]}</a></li>`,
        )
        .join('')}</ul></nav>`
    : '';
  return `<!doctype html>
<html lang="${language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title><link rel="stylesheet" href="${stylesheetPath}"></head>
<body><header class="top"><div class="top-inner"><span class="brand">${text(language, 'page.brand')}</span>${languageSwitch}</div></header>
<main>${body}</main>
${footer ? `<footer><p>${footer}</p></footer>` : ''}
</body></html>`;
}
