import type { Language } from './language';

const locales: Record<Language, string> = { es: 'es-ES', en: 'en-GB' };

/** Where a reader in that country most likely is; countries with several zones or not listed read UTC. */
const timeZones: Record<string, string> = {
  ES: 'Europe/Madrid',
  PT: 'Europe/Lisbon',
  FR: 'Europe/Paris',
  DE: 'Europe/Berlin',
  IT: 'Europe/Rome',
  GB: 'Europe/London',
  IE: 'Europe/Dublin',
  NL: 'Europe/Amsterdam',
  MX: 'America/Mexico_City',
  CO: 'America/Bogota',
  PE: 'America/Lima',
  CL: 'America/Santiago',
  AR: 'America/Argentina/Buenos_Aires',
  UY: 'America/Montevideo',
  VE: 'America/Caracas',
  EC: 'America/Guayaquil',
};

export const timeZoneFor = (country: string) => timeZones[country.toUpperCase()] ?? 'UTC';

/**
 * A moment as a person reads it: in their language, in the time zone of their country, with the
 * zone written out, e.g. "25 de noviembre de 2026, 14:22 CET" / "25 November 2026 at 13:22 UTC".
 */
export function formatDateTime(language: Language, moment: Date, country: string): string {
  const timeZone = timeZoneFor(country);
  const key = `${language} ${timeZone}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locales[language], {
      year: 'numeric',
      month: 'long',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      timeZone,
      timeZoneName: 'short',
    });
    formats.set(key, format);
  }
  return format.format(moment);
}

/** Building an Intl.DateTimeFormat costs far more than using one (~0.3 ms): one per language and zone, kept. */
const formats = new Map<string, Intl.DateTimeFormat>();
