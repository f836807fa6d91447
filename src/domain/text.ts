import { z } from 'zod';

/**
 * The one definition of text the API accepts. Postgres refuses NUL bytes, and control characters or
 * lone surrogates in a name end up in emails, pages and the Temporal UI, so every string a client
 * sends goes through one of these schemas. Each rule is also a `pattern` in the OpenAPI document,
 * so that a request valid by the document is not refused (and the other way round).
 */

/** C0 control characters and DEL: never in a single line of text. */
const controls = '\\x00-\\x1F\\x7F';
/** The same, except tab, line feed and carriage return, which free text may carry. */
const controlsBesideLineBreaks = '\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F';

/** A single line with at least one visible character. */
const singleLinePattern = new RegExp(`^[^${controls}]*[^\\s${controls}][^${controls}]*$`);
const freeTextPattern = new RegExp(`^[^${controlsBesideLineBreaks}]*$`);

/** UTF-16 without lone surrogates: it round-trips through UTF-8 (Postgres, JSON, email). */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const wellFormed = (value: string) => !loneSurrogate.test(value);
const wellFormedMessage = 'must be valid Unicode text (no lone surrogates)';

/** Names, cities, subjects: one line, not blank, no control characters; surrounding spaces trimmed. */
export function singleLine(max: number) {
  return z
    .string()
    .max(max)
    .regex(singleLinePattern, 'must be one line of text, not blank, without control characters')
    .refine(wellFormed, wellFormedMessage)
    .trim();
}

/** Messages and reasons written by people: tabs and line breaks allowed, other control characters not. */
export function freeText(max: number) {
  return z
    .string()
    .max(max)
    .regex(freeTextPattern, 'must not contain control characters other than tab and line breaks')
    .refine(wellFormed, wellFormedMessage);
}

/** A catalog or business identifier such as an offer id: letters, digits and `._:-`. */
export function identifier(max: number) {
  return z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only');
}

/** Email addresses, with zod's rule written into the document as its pattern. */
export const emailAddress = z.email().max(320).meta({ pattern: z.regexes.email.source });

const uuidPattern = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * Any syntactically valid UUID. Not only RFC 4122 versions and variants: Postgres stores any
 * 128-bit value as `uuid`, and rows imported from other systems carry such ids.
 */
export const uuid = z.string().regex(uuidPattern, 'must be a UUID').meta({ format: 'uuid' });

/** A partner's public MPN-style id: 6 to 10 digits. */
export const publicPartnerId = z.string().regex(/^\d{6,10}$/, '6 to 10 digits');

/** ISO 3166 alpha-2 country code, in capitals. */
export const countryCode = z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166 alpha-2 code in capitals, e.g. ES');
