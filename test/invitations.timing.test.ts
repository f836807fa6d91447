import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPartner, linkIn, mailTo, startTestEngine, waitFor, type TestEngine } from './support/harness';
import { statusQuery } from '../workflows/invitation.messages';

// Short clocks through the environment, as an operator would set them: 8 s to answer, a reminder 3 s before.
const TTL_MS = 8_000;
const REMINDER_BEFORE_MS = 3_000;

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine({
    env: { INVITATION_TTL: `${TTL_MS / 1000}s`, REMINDER_BEFORE: `${REMINDER_BEFORE_MS / 1000}s` },
  });
});
afterAll(async () => {
  await engine?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const invitationMails = async (email: string) =>
  (await mailTo(engine, email)).filter((m) => m.text.includes('/invitations/'));

describe('invitation clocks', () => {
  it('sends a reminder before the deadline, then ends expired and the link answers 410', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
    const invite = await engine.request('POST', '/v1/invitations', {
      key: provider.apiKey,
      body: { resellerEmail: reseller.email },
    });
    expect(invite.status).toBe(202);
    const expiresAt = Date.parse(invite.body.expiresAt);

    const reminder = await waitFor(
      async () => (await mailTo(engine, reseller.email)).find((m) => m.template === 'invitationReminder'),
      {
        what: 'the reminder',
        timeoutMs: TTL_MS + 5_000,
      },
    );
    // The reminder arrives REMINDER_BEFORE the deadline, while the invitation is still open, with the same link.
    expect(reminder.createdAt.getTime()).toBeLessThan(expiresAt);
    expect(reminder.createdAt.getTime()).toBeGreaterThanOrEqual(expiresAt - REMINDER_BEFORE_MS - 1_000);
    const [original] = (await invitationMails(reseller.email)).filter((m) => m.template === 'invitationLink');
    const link = linkIn(original!.text, '/invitations').pathname;
    expect(linkIn(reminder.text, '/invitations').pathname).toBe(link);
    const meanwhile = await engine.request('GET', `/v1/invitations/${invite.body.id}`, { key: provider.apiKey });
    expect(meanwhile.body).toMatchObject({ status: 'pending' });
    expect(meanwhile.body.reminderSentAt).not.toBeNull();

    const expired = await waitFor(
      async () => {
        const reply = await engine.request('GET', `/v1/invitations/${invite.body.id}`, { key: provider.apiKey });
        return reply.body.status === 'expired' && reply.body;
      },
      { what: 'the expiry', timeoutMs: TTL_MS + 10_000 },
    );
    expect(Date.parse(expired.updatedAt)).toBeGreaterThanOrEqual(expiresAt);

    const pageReply = await engine.request('GET', `${link}?lang=en`);
    expect(pageReply.status).toBe(410);
    expect(pageReply.text).toContain('expired');
    const accept = await engine.request('POST', `${link}/accept`, { body: { partnerId: reseller.partnerId } });
    expect(accept.status).toBe(410);
    expect(accept.body.error.code).toBe('INVITATION_EXPIRED');
    const resend = await engine.request('POST', `/v1/invitations/${invite.body.id}/resend`, { key: provider.apiKey });
    expect(resend.status).toBe(409);

    const state = await engine.deps.temporal.workflow.getHandle(invite.body.workflowId).result();
    expect(state).toMatchObject({ status: 'expired', remindersSent: 1, partnershipId: null });
    // Exactly one reminder was sent.
    expect((await mailTo(engine, reseller.email)).filter((m) => m.template === 'invitationReminder')).toHaveLength(1);
  });

  it('resend emails the same link again and moves the deadline, so the invitation outlives the old one', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
    const invite = await engine.request('POST', '/v1/invitations', {
      key: provider.apiKey,
      body: { resellerEmail: reseller.email },
    });
    expect(invite.status).toBe(202);
    const oldDeadline = Date.parse(invite.body.expiresAt);
    const [first] = await waitFor(async () => {
      const mails = await invitationMails(reseller.email);
      return mails.length > 0 && mails;
    });
    const link = linkIn(first!.text, '/invitations').pathname;

    await sleep(3_000);
    const resent = await engine.request('POST', `/v1/invitations/${invite.body.id}/resend`, { key: provider.apiKey });
    expect(resent.status).toBe(200);
    expect(resent.body.status).toBe('pending');
    expect(Date.parse(resent.body.expiresAt)).toBeGreaterThanOrEqual(oldDeadline + 2_500);
    expect(resent.body.linkSentCount).toBe(2);

    const linkMails = await waitFor(async () => {
      const mails = (await invitationMails(reseller.email)).filter((m) => m.template === 'invitationLink');
      return mails.length === 2 && mails;
    });
    expect(linkMails.map((m) => linkIn(m.text, '/invitations').pathname)).toEqual([link, link]);

    // Past the old deadline the invitation is still open, in the database, the workflow and on the link page.
    await sleep(Math.max(0, oldDeadline + 1_000 - Date.now()));
    const state = await engine.deps.temporal.workflow.getHandle(invite.body.workflowId).query(statusQuery);
    expect(state).toMatchObject({ status: 'pending', linksSent: 2, expiresAt: resent.body.expiresAt });
    const stillPending = await engine.request('GET', `/v1/invitations/${invite.body.id}`, { key: provider.apiKey });
    expect(stillPending.body.status).toBe('pending');
    expect((await engine.request('GET', link)).status).toBe(200);

    const accepted = await engine.request('POST', `${link}/accept`, { body: { partnerId: reseller.partnerId } });
    expect(accepted.status).toBe(200);
    expect(accepted.body.partnership).toMatchObject({ status: 'active', reseller: { id: reseller.id } });
  });
});
