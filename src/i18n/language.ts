/** The languages people read the engine's emails and link pages in. */
export const languages = ['es', 'en'] as const;
export type Language = (typeof languages)[number];

export const isLanguage = (value: unknown): value is Language =>
  typeof value === 'string' && (languages as readonly string[]).includes(value);

/**
 * Who reads an email or page: their language, and the country whose time zone dates are written in.
 * `guessed` when the reader is not known yet (an invitation to an unregistered address): the
 * language is then only a default, which a browser's Accept-Language overrides on a link page.
 */
export type Reader = { language: Language; country: string; guessed?: boolean };

/** Countries whose official language is Spanish (ISO 3166 alpha-2). */
const spanishSpeaking = new Set([
  'AR',
  'BO',
  'CL',
  'CO',
  'CR',
  'CU',
  'DO',
  'EC',
  'ES',
  'GQ',
  'GT',
  'HN',
  'MX',
  'NI',
  'PA',
  'PE',
  'PR',
  'PY',
  'SV',
  'UY',
  'VE',
]);

/** Without a chosen language: Spanish in a Spanish-speaking country, else English. */
export const defaultLanguageFor = (country: string): Language =>
  spanishSpeaking.has(country.toUpperCase()) ? 'es' : 'en';

/** A person's language: the one they chose, else their country's. */
export const languageOf = (person: { language?: string | null; country: string }): Language =>
  isLanguage(person.language) ? person.language : defaultLanguageFor(person.country);

export const readerOf = (person: { language?: string | null; country: string }): Reader => ({
  language: languageOf(person),
  country: person.country,
});

/**
 * The first of our languages in an Accept-Language header, by quality (`es-MX;q=0.8` counts as
 * `es`); undefined when the header names none of them.
 */
export function fromAcceptLanguage(header: string | undefined): Language | undefined {
  const ranked = (header ?? '')
    .split(',')
    .map((part, position) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = Number(
        params
          .find((p) => p.trim().startsWith('q='))
          ?.trim()
          .slice(2) ?? '1',
      );
      return { primary: tag.trim().toLowerCase().split('-')[0], q: Number.isFinite(q) ? q : 0, position };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q || a.position - b.position);
  return ranked.map((entry) => entry.primary).find(isLanguage);
}

/**
 * The language of a link page (PRODUCT.md §8): `?lang=`, then the recipient's language, then the
 * browser's Accept-Language, then the fallback (a guessed reader's language), then English.
 */
export function linkPageLanguage(input: {
  query?: unknown;
  recipient?: Language;
  acceptLanguage?: string;
  fallback?: Language;
}): Language {
  if (isLanguage(input.query)) return input.query;
  return input.recipient ?? fromAcceptLanguage(input.acceptLanguage) ?? input.fallback ?? 'en';
}
