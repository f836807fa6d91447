import { readerOf, type Reader } from '../../i18n/language';
import type { DbOrTx } from '../client';
import type { CustomerContact } from '../schema';
import { findResellersByEmail } from './partners';

/**
 * Who reads an invitation: the reseller registered with the invited address (its language, or its
 * country's), else a guess: someone in the provider's country, the only country whose resellers can accept.
 */
export async function invitationReader(
  db: DbOrTx,
  invitation: { resellerEmail: string; providerCountry: string },
): Promise<Reader> {
  const resellers = await findResellersByEmail(db, invitation.resellerEmail);
  const reseller = resellers.find((candidate) => candidate.country === invitation.providerCountry) ?? resellers[0];
  return reseller ? readerOf(reseller) : { ...readerOf({ country: invitation.providerCountry }), guessed: true };
}

/** Who reads a reseller-relationship request: the customer's contact, in the customer's country. */
export const relationshipReader = (customer: { country: string; contact: Pick<CustomerContact, 'language'> }): Reader =>
  readerOf({ language: customer.contact.language, country: customer.country });
