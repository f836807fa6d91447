import type { ScheduledChanges } from '../../domain/subscription-lifecycle';

/** The email that announces the end of a term: the renewal with its scheduled changes, or the expiry. */
export function renewalNoticeMail(params: {
  recipientName: string;
  customerName: string;
  offerName: string;
  termEndsAt: string;
  renews: boolean;
  scheduledChanges: ScheduledChanges | null;
}): { subject: string; text: string } {
  const ends = new Date(params.termEndsAt).toUTCString();
  if (!params.renews) {
    return {
      subject: `${params.offerName} for ${params.customerName} expires on ${ends}`,
      text: `Hello ${params.recipientName},\n\nThe ${params.offerName} subscription of ${params.customerName} does not renew automatically and expires on ${ends}. Turn autoRenew on before then to keep it.\n`,
    };
  }
  const changes = Object.entries(params.scheduledChanges ?? {}).map(([field, value]) => `  - ${field}: ${value}`);
  return {
    subject: `${params.offerName} for ${params.customerName} renews on ${ends}`,
    text:
      `Hello ${params.recipientName},\n\nThe ${params.offerName} subscription of ${params.customerName} renews on ${ends}.\n` +
      (changes.length > 0 ? `These scheduled changes apply at the renewal:\n${changes.join('\n')}\n` : 'It renews unchanged.\n'),
  };
}
