import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestPartner,
  decodedHistoryText,
  historyText,
  linkIn,
  mailTo,
  startTestEngine,
  waitFor,
  type TestEngine,
} from './support/harness';

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(async () => {
  await engine?.stop();
});

describe('invitation happy path', () => {
  it('emails a personal link that the invited reseller accepts, creating the partnership on both sides', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const reseller = await createTestPartner(engine.request, { kind: 'reseller' });

    const invite = await engine.request('POST', '/v1/invitations', {
      key: provider.apiKey,
      body: { resellerEmail: reseller.email.toUpperCase(), message: 'Trabajemos juntos' },
    });
    expect(invite.status).toBe(202);
    expect(invite.body).toMatchObject({ status: 'pending', workflowId: `invitation-${invite.body.id}` });

    const [mail] = await waitFor(async () => {
      const messages = await mailTo(engine, reseller.email);
      return messages.length > 0 && messages;
    });
    const link = linkIn(mail!.text, '/invitations');
    const token = link.pathname.split('/').pop()!;

    const pageReply = await engine.request('GET', link.pathname);
    expect(pageReply.status).toBe(200);
    expect(pageReply.text).toContain(provider.name);
    expect(pageReply.text).toContain('Trabajemos juntos');

    const accepted = await engine.request('POST', `${link.pathname}/accept`, {
      body: { partnerId: reseller.partnerId },
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({
      status: 'accepted',
      partnership: { status: 'active', provider: { id: provider.id }, reseller: { id: reseller.id } },
    });

    const providerSide = await engine.request('GET', '/v1/partnerships', { key: provider.apiKey });
    const resellerSide = await engine.request('GET', '/v1/partnerships', { key: reseller.apiKey });
    expect(providerSide.body.items.map((p: { id: string }) => p.id)).toContain(accepted.body.partnership.id);
    expect(resellerSide.body.items.map((p: { id: string }) => p.id)).toContain(accepted.body.partnership.id);

    const invitation = await engine.request('GET', `/v1/invitations/${invite.body.id}`, { key: provider.apiKey });
    expect(invitation.body).toMatchObject({ status: 'accepted', resellerId: reseller.id });

    const providerMail = await waitFor(async () =>
      (await mailTo(engine, provider.email)).find((m) => m.template === 'invitationAccepted'),
    );
    expect(providerMail.text).toContain(reseller.partnerId);

    const history = await historyText(engine, invite.body.workflowId);
    expect(history).not.toContain(token);
    // Payloads are encrypted: the reseller's address is readable only through the codec.
    expect(history).not.toContain(reseller.email.toUpperCase());
    expect(await decodedHistoryText(engine, invite.body.workflowId)).toContain(reseller.email.toUpperCase());
  });
});
