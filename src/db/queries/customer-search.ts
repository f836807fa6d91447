import { sql, type SQL } from 'drizzle-orm';
import { customers, customerSearchWords } from '../schema';

/**
 * `GET /v1/customers?q=` matches a customer whose name or domain contains q, case-insensitively
 * (`ILIKE '%q%'`). Two indexes find the candidates:
 *
 * - the trigram indexes (`customers_name_trgm_idx`, `customers_domain_trgm_idx`) for any q. A
 *   trigram's posting list is read whole, so a q made of words every customer shares ("Company",
 *   "Solutions", "onmicrosoft") costs a read of a million entries per trigram (~50 ms at 1M);
 * - the word index (`customers_search_words_idx`, full text over the words of name and domain)
 *   when q contains whole words: Postgres intersects posting lists starting from the rarest, so a
 *   common word costs nothing once a rare one is there (~0.1 ms at 1M).
 *
 * Only what q certainly implies goes into the word condition, so it never loses a match: a run of
 * ASCII letters and digits with an ASCII separator on both sides in q is a whole word of the match;
 * one with a separator before it and the end of q (or a non-ASCII character) after it is the start of
 * a word, used as a prefix when it is all letters or all digits (the parser may split a mixed run
 * differently when it is cut short). A first run without a separator before it may be the end of a
 * longer word, and is left out. The ILIKE still decides every match.
 */

const searchWordsVector = customerSearchWords(customers.name, customers.domain);

const ASCII_WORD = /[A-Za-z0-9]+/g;
const isAsciiSeparator = (char: string | undefined) =>
  char !== undefined && /^[\x00-\x7f]$/.test(char) && !/[A-Za-z0-9]/.test(char);
/** At most this many terms: more would not make a rarer intersection, only a longer query. */
const MAX_TERMS = 8;

/** The tsquery text q implies (`word & prefix:*`), or undefined when q holds no whole word. */
export function searchWordsQuery(q: string): string | undefined {
  const terms: string[] = [];
  for (const match of q.matchAll(ASCII_WORD)) {
    const word = match[0].toLowerCase();
    const start = match.index;
    const end = start + word.length;
    if (!isAsciiSeparator(q[start - 1])) continue;
    if (isAsciiSeparator(q[end])) terms.push(word);
    else if (/^(?:[a-z]+|[0-9]+)$/.test(word)) terms.push(`${word}:*`);
  }
  return terms.length ? [...new Set(terms)].slice(0, MAX_TERMS).join(' & ') : undefined;
}

/** The escaped ILIKE pattern for q: `%`, `_` and `\` in q match themselves. */
const containsPattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** How q is searched: by the word index and the ILIKE, or by the ILIKE alone (trigram indexes). */
export type SearchKind = 'words' | 'trigrams';

/** What a search for q needs: its kind and the placeholder values of its condition. */
export function customerSearchValues(q: string): { kind: SearchKind; values: { pattern: string; words?: string } } {
  const pattern = containsPattern(q);
  const words = searchWordsQuery(q);
  return words ? { kind: 'words', values: { pattern, words } } : { kind: 'trigrams', values: { pattern } };
}

/**
 * The condition for a search of this kind, its values as placeholders (`pattern`, `words`). With whole
 * words it is the word index's condition and an ILIKE that no index serves (`name || ''`): else
 * Postgres ANDs the trigram bitmaps in as well and pays their cost again. Without, the ILIKE alone,
 * served by the trigram indexes.
 */
export function customerSearch(kind: SearchKind): SQL {
  const pattern = sql.placeholder('pattern');
  if (kind === 'trigrams') return sql`(${customers.name} ilike ${pattern} or ${customers.domain} ilike ${pattern})`;
  return sql`(${searchWordsVector} @@ to_tsquery('simple', ${sql.placeholder('words')}) and ((${customers.name} || '') ilike ${pattern} or (${customers.domain} || '') ilike ${pattern}))`;
}
