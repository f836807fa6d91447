import type { Language } from '../i18n/language';

/** A customer's postal address, as the provider gives it. */
export type CustomerAddress = { line1: string; city: string; postalCode: string; region?: string };
/** `language` is the contact's choice for emails and pages; without it, the customer's country decides. */
export type CustomerContact = {
  firstName: string;
  lastName: string;
  email: string;
  phone?: string;
  language?: Language;
};

/** A customer's Microsoft tenant domain, from the prefix the provider chose. */
export const tenantDomain = (domainPrefix: string) => `${domainPrefix}.onmicrosoft.com`;
/** The customer's first administrator, created by provisioning. */
export const adminUsername = (domainPrefix: string) => `admin@${tenantDomain(domainPrefix)}`;
