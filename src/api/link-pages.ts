import type { Request, Router } from 'express';
import { z } from 'zod';
import { freeText } from '../domain/text';
import { t } from '../i18n/catalog';
import { formatDateTime } from '../i18n/dates';
import { isLanguage, languages, linkPageLanguage, type Language, type Reader } from '../i18n/language';
import { AppError } from '../domain/errors';
import { escapeHtml, page, text } from './html';
import { byAddress, limitRequests } from './rate-limit';

/** Shared by the public pages behind emailed links (invitations, reseller relationships). */

export const linkTokenParams = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, 'not a link token') });
export const declineBody = z.strictObject({ reason: freeText(2_000).optional() });
/** `?lang=` chooses the page's language; an unknown value is ignored rather than refused. */
export const linkQuery = z.object({
  lang: z
    .string()
    .max(35)
    .regex(/^[A-Za-z0-9-]*$/, 'a language tag such as es or en')
    .optional()
    .transform((value) => (isLanguage(value) ? value : undefined))
    .describe(`the page's language: ${languages.join(' or ')}; otherwise the recipient's, then Accept-Language`),
});

/** A browser submitting the page's form gets a page back; API clients get JSON. */
export const wantsHtml = (req: Request) => (req.get('accept') ?? '').includes('text/html');

/** Link tokens are the credential: slow down anyone guessing them. */
export function linkRateLimit(router: Router, prefix: string, perMinute: number) {
  limitRequests(router, prefix, perMinute, byAddress);
}

/** What a link page answers, for the OpenAPI document. */
export const linkPageResponses = {
  200: { description: 'The page', html: true },
  404: { description: 'Unknown link', html: true },
  410: { description: 'Expired or revoked', html: true },
};

export type LinkKind = 'invitation' | 'relationship';
const basePaths: Record<LinkKind, string> = { invitation: '/invitations', relationship: '/reseller-relationships' };

/** One link's addresses: its page and the answers its forms post, each carrying the page's language. */
export function linkUrls(kind: LinkKind, token: string) {
  const base = `${basePaths[kind]}/${encodeURIComponent(token)}`;
  return {
    page: (language: Language) => `${base}?lang=${language}`,
    answer: (verb: 'accept' | 'decline', language: Language) => `${base}/${verb}?lang=${language}`,
  };
}

/** The language of a link page: `?lang=`, then the recipient's, then the browser's (PRODUCT.md §8). */
export const pageLanguage = (req: Request, query: { lang?: Language }, recipient?: Reader) =>
  linkPageLanguage({
    query: query.lang,
    recipient: recipient?.guessed ? undefined : recipient?.language,
    acceptLanguage: req.get('accept-language'),
    fallback: recipient?.language,
  });

type LinkedRequest = { status: string; provider: { name: string }; expiresAt: Date; reader: Reader };

/** A short page that states an outcome: a title, what it means, and what happens next. */
function noticePage(options: {
  language: Language;
  title: string;
  lines: string[];
  tone: 'ok' | 'problem' | 'info';
  inLanguage: (language: Language) => string;
}) {
  const [first, ...rest] = options.lines;
  return page({
    language: options.language,
    title: options.title,
    inLanguage: options.inLanguage,
    body: `<h1>${escapeHtml(options.title)}</h1>
<div class="card notice ${options.tone}" role="status"><p>${escapeHtml(first ?? '')}</p>${rest.map((line) => `<p class="next">${escapeHtml(line)}</p>`).join('')}</div>`,
  });
}

/**
 * The page a link opens, in the reader's language: unknown token 404, expired or revoked 410,
 * already answered a notice, pending the request itself with its accept and decline forms.
 */
export async function linkPage<T extends LinkedRequest>(
  link: { kind: LinkKind; token: string; req: Request; query: { lang?: Language } },
  load: () => Promise<T>,
  pending: (request: T, language: Language) => { title: string; body: string },
): Promise<{ status: 200 | 404 | 410; html: string }> {
  const { kind, req, query } = link;
  const urls = linkUrls(kind, link.token);
  let request: T;
  try {
    request = await load();
  } catch (error) {
    if (error instanceof AppError && error.code === 'NOT_FOUND') {
      const language = pageLanguage(req, query);
      const html = noticePage({
        language,
        title: t(language, `${kind}.notFound.title`),
        lines: [t(language, `${kind}.notFound.body`)],
        tone: 'problem',
        inLanguage: urls.page,
      });
      return { status: 404, html };
    }
    throw error;
  }
  const language = pageLanguage(req, query, request.reader);
  const provider = request.provider.name;
  if (request.status === 'expired' || request.status === 'revoked') {
    const expiresAt = formatDateTime(language, request.expiresAt, request.reader.country);
    const body = t(language, request.status === 'expired' ? `${kind}.expired.body` : `${kind}.revoked.body`, {
      provider,
      expiresAt,
    });
    return {
      status: 410,
      html: noticePage({
        language,
        title: t(language, `${kind}.gone.title`),
        lines: [body],
        tone: 'problem',
        inLanguage: urls.page,
      }),
    };
  }
  if (request.status !== 'pending') {
    const status = t(language, request.status === 'accepted' ? 'status.accepted' : 'status.declined');
    const html = noticePage({
      language,
      title: t(language, `${kind}.answered.title`),
      lines: [t(language, `${kind}.answered.body`, { provider, status })],
      tone: 'info',
      inLanguage: urls.page,
    });
    return { status: 200, html };
  }
  const { title, body } = pending(request, language);
  return {
    status: 200,
    html: page({ language, title, body, inLanguage: urls.page, footer: text(language, 'page.personalLink') }),
  };
}

/** The page after an answer: what was recorded and what happens next, in the reader's language. */
export function answeredPage(
  link: { kind: LinkKind; token: string; language: Language },
  outcome: 'accepted' | 'declined',
  vars: { provider: string; reseller?: string },
): { status: 200; html: string } {
  const { kind, language } = link;
  const lines = [t(language, `${kind}.${outcome}.body`, vars), t(language, `${kind}.${outcome}.next`, vars)];
  const title = t(language, `${kind}.${outcome}.title`, vars);
  return {
    status: 200,
    html: noticePage({
      language,
      title,
      lines,
      tone: outcome === 'accepted' ? 'ok' : 'info',
      inLanguage: linkUrls(kind, link.token).page,
    }),
  };
}
