import { describe, expect, it } from 'vitest';
import { catalogOf, t } from '../src/i18n/catalog';
import { formatDateTime } from '../src/i18n/dates';
import { defaultLanguageFor, fromAcceptLanguage, languageOf, languages, linkPageLanguage } from '../src/i18n/language';
import { invitationAcceptedMail, invitationMail, relationshipMail } from '../src/mail/templates';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();

describe('the message catalogs', () => {
  it('hold the same keys in Spanish and English (a key missing in either language fails here)', () => {
    const [first, ...others] = languages.map((language) => Object.keys(catalogOf(language)).sort());
    for (const keys of others) expect(keys).toEqual(first);
  });

  it('give every message the same placeholders in both languages, and no empty text', () => {
    for (const key of Object.keys(catalogOf('en'))) {
      expect(placeholders(catalogOf('es')[key]!), key).toEqual(placeholders(catalogOf('en')[key]!));
      for (const language of languages) expect(catalogOf(language)[key]!.trim(), `${key} (${language})`).not.toBe('');
    }
  });

  it('refuse to render a message with a missing value instead of showing a half-filled sentence', () => {
    expect(() => t('es', 'invitation.page.title', {})).toThrow(/provider/);
    expect(t('es', 'invitation.page.title', { provider: 'Contoso' })).toBe('Contoso le invita a asociarse');
  });
});

describe('choosing a language', () => {
  it('defaults to Spanish in Spanish-speaking countries and English elsewhere; a chosen language wins', () => {
    expect(defaultLanguageFor('ES')).toBe('es');
    expect(defaultLanguageFor('MX')).toBe('es');
    expect(defaultLanguageFor('US')).toBe('en');
    expect(defaultLanguageFor('PT')).toBe('en');
    expect(languageOf({ country: 'ES', language: 'en' })).toBe('en');
    expect(languageOf({ country: 'GB', language: null })).toBe('en');
  });

  it('reads Accept-Language by quality and region-less tag', () => {
    expect(fromAcceptLanguage('fr-FR,es-MX;q=0.8,en;q=0.5')).toBe('es');
    expect(fromAcceptLanguage('en-GB;q=0.3, es;q=0.9')).toBe('es');
    expect(fromAcceptLanguage('de, fr')).toBeUndefined();
    expect(fromAcceptLanguage(undefined)).toBeUndefined();
    expect(fromAcceptLanguage('es;q=0, en')).toBe('en');
  });

  it('picks a link page language from ?lang=, then the recipient, then Accept-Language, then English', () => {
    expect(linkPageLanguage({ query: 'en', recipient: 'es', acceptLanguage: 'es' })).toBe('en');
    expect(linkPageLanguage({ query: 'fr', recipient: 'es', acceptLanguage: 'en' })).toBe('es');
    expect(linkPageLanguage({ acceptLanguage: 'es-ES,es;q=0.9' })).toBe('es');
    expect(linkPageLanguage({})).toBe('en');
  });
});

describe('dates', () => {
  const moment = new Date('2026-12-01T09:30:00Z');
  it('are written in the language, in the reader’s time zone, with the zone named', () => {
    // The words between date and time ("a las", "at") follow the ICU version; the parts do not.
    expect(formatDateTime('es', moment, 'ES')).toMatch(/^1 de diciembre de 2026\D+10:30 CET$/);
    expect(formatDateTime('en', moment, 'ES')).toMatch(/^1 December 2026\D+10:30 CET$/);
    expect(formatDateTime('en', moment, 'US')).toMatch(/^1 December 2026\D+09:30 UTC$/);
  });
});

describe('email templates', () => {
  const link = 'https://onboarding.example/invitations/abc';
  const expiresAt = new Date('2026-12-01T09:30:00Z');

  it('compose the invitation in the reader’s language, with its message, link and expiry date', () => {
    const es = invitationMail(
      { language: 'es', country: 'ES' },
      { provider: 'Contoso', message: 'Hola', link, expiresAt },
    );
    expect(es).toMatchObject({ template: 'invitationLink', language: 'es', subject: 'Contoso le invita a asociarse' });
    expect(es.text).toContain('Su mensaje:\nHola');
    expect(es.text).toMatch(/caduca el 1 de diciembre de 2026\D+10:30 CET\):\n(\S+)/);
    expect(es.text).toContain(`CET):\n${link}`);
    const en = invitationMail(
      { language: 'en', country: 'ES' },
      { provider: 'Contoso', message: null, link, expiresAt, reminder: true },
    );
    expect(en).toMatchObject({
      template: 'invitationReminder',
      language: 'en',
      subject: 'Reminder: Contoso is waiting for your answer',
    });
    expect(en.text).not.toContain('Their message');
  });

  it('compose every mail in both languages with no placeholder left', () => {
    for (const language of languages) {
      const reader = { language, country: 'ES' };
      const mails = [
        invitationMail(reader, { provider: 'P', message: 'm', link, expiresAt }),
        invitationMail(reader, { provider: 'P', message: null, link, expiresAt, reminder: true }),
        invitationAcceptedMail(reader, { provider: 'P', reseller: 'R', partnerId: '2000001', email: 'r@example.test' }),
        relationshipMail(reader, {
          provider: 'P',
          reseller: 'R',
          partnerId: '2000001',
          customer: 'C',
          link,
          expiresAt,
        }),
        relationshipMail(reader, {
          provider: 'P',
          reseller: 'R',
          partnerId: '2000001',
          customer: 'C',
          link,
          expiresAt,
          reminder: true,
        }),
      ];
      for (const mail of mails) {
        expect(mail.language).toBe(language);
        expect(`${mail.subject}\n${mail.text}`).not.toMatch(/\{\w+\}/);
      }
    }
  });
});
