import { expect } from 'vitest';
import type { Accepted, Invitation } from './api-types';
import { apiClient } from './client';
import { createTestPartner, linkIn, mailTo, waitFor, type TestEngine, type TestPartner } from './harness';
import { clientsOf, type PartneredPair } from './fixtures';

/** An invitation as the invited address receives it. */
export type SentInvitation = { invitation: Invitation; link: string; token: string };

/**
 * Invites an address as the provider (the reply must be 202) and waits for the mail it produced;
 * `link` is the path of the emailed link, `token` its last segment.
 */
export async function invite(
  engine: TestEngine,
  provider: TestPartner,
  resellerEmail: string,
  extra: { message?: string } = {},
): Promise<SentInvitation> {
  const reply = await apiClient(engine.request, provider.apiKey).post<Invitation>('/v1/invitations', {
    resellerEmail,
    ...extra,
  });
  expect(reply.status, reply.text).toBe(202);
  const mail = await waitFor(
    async () => (await mailTo(engine, resellerEmail)).find((m) => m.text.includes('/invitations/')),
    { what: `the invitation mail to ${resellerEmail}` },
  );
  const link = linkIn(mail.text, '/invitations').pathname;
  return { invitation: reply.body, link, token: link.split('/').pop()! };
}

/** Accepts an emailed invitation link as the reseller would (the reply must be 200); returns the partnership. */
export async function accept(engine: TestEngine, link: string, reseller: TestPartner) {
  const reply = await apiClient(engine.request).post<Accepted>(`${link}/accept`, { partnerId: reseller.partnerId });
  expect(reply.status, reply.text).toBe(200);
  return reply.body.partnership;
}

/**
 * Like partneredPair, with the partnership made by the product itself: the provider invites, the
 * reseller accepts through the emailed link. For tests about what the invitation leaves behind.
 */
export async function partneredByInvitation(engine: TestEngine): Promise<PartneredPair & SentInvitation> {
  const provider = await createTestPartner(engine.request, { kind: 'provider' });
  const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
  const sent = await invite(engine, provider, reseller.email);
  const partnership = await accept(engine, sent.link, reseller);
  return { ...clientsOf(engine, provider, reseller), partnershipId: partnership.id, ...sent };
}
