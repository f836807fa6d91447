import en from './en.json';
import es from './es.json';
import type { Language } from './language';

/** Every text shown to a person. English is the reference; `test/i18n.test.ts` holds Spanish to the same keys and placeholders. */
export type MessageKey = keyof typeof en;
export type MessageVars = Record<string, string | number>;

const catalogs: Record<Language, Record<MessageKey, string>> = { en, es };

/**
 * The text of `key` in `language` with its `{name}` placeholders filled in. A placeholder without
 * a value throws: a half-filled sentence must never reach a person.
 */
export function t(language: Language, key: MessageKey, vars: MessageVars = {}): string {
  return catalogs[language][key].replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`message ${key} (${language}) needs {${name}}`);
    return String(value);
  });
}

/** For the catalog test: the raw entries of one language. */
export const catalogOf = (language: Language): Readonly<Record<string, string>> => catalogs[language];

export const hasMessage = (key: string): key is MessageKey => key in en;
