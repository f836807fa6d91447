import { t } from '../i18n/catalog';
import { formatDateTime } from '../i18n/dates';
import type { Language, Reader } from '../i18n/language';

/**
 * The emails the engine sends, each composed from the message catalog in the recipient's language.
 * Activities pick the template and hand in the facts; no sentence is written anywhere else.
 */

export const mailTemplates = [
  'invitationLink',
  'invitationReminder',
  'invitationAccepted',
  'relationshipLink',
  'relationshipReminder',
  'webhookEndpointDisabled',
  'subscriptionRenewalNotice',
  'subscriptionExpiryNotice',
] as const;
export type MailTemplate = (typeof mailTemplates)[number];

export type ComposedMail = { template: MailTemplate; language: Language; subject: string; text: string };

const paragraphs = (...blocks: Array<string | false | null | undefined>) =>
  blocks.filter((block): block is string => Boolean(block)).join('\n\n');

function linkBlock(reader: Reader, link: string, expiresAt: Date) {
  return paragraphs(
    `${t(reader.language, 'mail.linkIntro', { expiresAt: formatDateTime(reader.language, expiresAt, reader.country) })}\n${link}`,
    t(reader.language, 'mail.linkPrivate'),
  );
}

/** The invitation link to the reseller (first send, resend) or its reminder. */
export function invitationMail(
  reader: Reader,
  facts: { provider: string; message: string | null; link: string; expiresAt: Date; reminder?: boolean },
): ComposedMail {
  const lang = reader.language;
  const vars = { provider: facts.provider };
  return {
    template: facts.reminder ? 'invitationReminder' : 'invitationLink',
    language: lang,
    subject: facts.reminder ? t(lang, 'mail.reminderSubject', vars) : t(lang, 'mail.invitation.subject', vars),
    text: paragraphs(
      facts.reminder ? t(lang, 'mail.invitation.reminder', vars) : t(lang, 'mail.invitation.body', vars),
      facts.message && `${t(lang, 'mail.invitation.messageHeading')}\n${facts.message}`,
      linkBlock(reader, facts.link, facts.expiresAt),
    ),
  };
}

/** Tells the provider that a reseller accepted its invitation. */
export function invitationAcceptedMail(
  reader: Reader,
  facts: { provider: string; reseller: string; partnerId: string; email: string },
): ComposedMail {
  const lang = reader.language;
  return {
    template: 'invitationAccepted',
    language: lang,
    subject: t(lang, 'mail.accepted.subject', facts),
    text: paragraphs(t(lang, 'mail.accepted.body', facts), t(lang, 'mail.accepted.next', facts)),
  };
}

/** The customer's contact is asked to accept a reseller (or reminded to answer). */
export function relationshipMail(
  reader: Reader,
  facts: {
    provider: string;
    reseller: string;
    partnerId: string;
    customer: string;
    link: string;
    expiresAt: Date;
    reminder?: boolean;
  },
): ComposedMail {
  const lang = reader.language;
  const vars = {
    provider: facts.provider,
    reseller: facts.reseller,
    partnerId: facts.partnerId,
    customer: facts.customer,
  };
  return {
    template: facts.reminder ? 'relationshipReminder' : 'relationshipLink',
    language: lang,
    subject: facts.reminder ? t(lang, 'mail.reminderSubject', vars) : t(lang, 'mail.relationship.subject', vars),
    text: paragraphs(
      facts.reminder ? t(lang, 'mail.relationship.reminder', vars) : t(lang, 'mail.relationship.greeting'),
      t(lang, 'mail.relationship.body', vars),
      linkBlock(reader, facts.link, facts.expiresAt),
    ),
  };
}

/** Tells an endpoint's owner that its endpoint was disabled after failing for WEBHOOK_DISABLE_AFTER, and how to recover. */
export function webhookEndpointDisabledMail(
  reader: Reader,
  facts: { url: string; endpointId: string; minutes: number },
): ComposedMail {
  const lang = reader.language;
  const vars = { url: facts.url, endpointId: facts.endpointId, minutes: String(facts.minutes) };
  return {
    template: 'webhookEndpointDisabled',
    language: lang,
    subject: t(lang, 'mail.webhookDisabled.subject', vars),
    text: paragraphs(t(lang, 'mail.webhookDisabled.body', vars), t(lang, 'mail.webhookDisabled.next', vars)),
  };
}

/** RENEWAL_NOTICE before a term ends: the renewal and its scheduled changes, or the expiry when autoRenew is off. */
export function subscriptionNoticeMail(
  reader: Reader,
  facts: {
    recipientName: string;
    customerName: string;
    offerName: string;
    termEndsAt: string;
    renews: boolean;
    scheduledChanges: Record<string, unknown> | null;
  },
): ComposedMail {
  const lang = reader.language;
  const vars = {
    name: facts.recipientName,
    customer: facts.customerName,
    offer: facts.offerName,
    date: formatDateTime(lang, new Date(facts.termEndsAt), reader.country),
  };
  if (!facts.renews) {
    return {
      template: 'subscriptionExpiryNotice',
      language: lang,
      subject: t(lang, 'mail.subscription.expires.subject', vars),
      text: t(lang, 'mail.subscription.expires.body', vars),
    };
  }
  const changes = Object.entries(facts.scheduledChanges ?? {}).map(
    ([field, value]) => `  - ${field}: ${String(value)}`,
  );
  return {
    template: 'subscriptionRenewalNotice',
    language: lang,
    subject: t(lang, 'mail.subscription.renews.subject', vars),
    text: paragraphs(
      t(lang, 'mail.subscription.renews.body', vars),
      changes.length > 0
        ? `${t(lang, 'mail.subscription.renews.changes')}\n${changes.join('\n')}`
        : t(lang, 'mail.subscription.renews.unchanged'),
    ),
  };
}
