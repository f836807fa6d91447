import { afterAll, describe, expect, it } from 'vitest';
import { createTestPartner, linkIn, mailTo, startTestEngine, waitFor, type TestEngine } from './support/harness';
import { statusQuery } from '../workflows/invitation.messages';

const running: TestEngine[] = [];
afterAll(async () => {
  await Promise.all(running.map((engine) => engine.stop()));
});

describe('the app restarted mid-invitation', () => {
  it('a link emailed before the API and worker stopped is accepted by the new process', async () => {
    const first = await startTestEngine();
    const provider = await createTestPartner(first.request, { kind: 'provider' });
    const reseller = await createTestPartner(first.request, { kind: 'reseller' });
    const invite = await first.request('POST', '/v1/invitations', {
      key: provider.apiKey,
      body: { resellerEmail: reseller.email },
    });
    expect(invite.status).toBe(202);
    const mail = await waitFor(async () =>
      (await mailTo(first, reseller.email)).find((m) => m.text.includes('/invitations/')),
    );
    const oldLink = linkIn(mail.text, '/invitations');
    expect(oldLink.origin).toBe(first.url);

    // API and worker both gone: the workflow waits in Temporal, the invitation in Postgres.
    await first.stop();

    const second = await startTestEngine({ taskQueue: first.taskQueue });
    running.push(second);
    expect(second.url).not.toBe(first.url);
    const page = await second.request('GET', oldLink.pathname);
    expect(page.status).toBe(200);
    const accepted = await second.request('POST', `${oldLink.pathname}/accept`, {
      body: { partnerId: reseller.partnerId },
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body.partnership).toMatchObject({
      status: 'active',
      provider: { id: provider.id },
      reseller: { id: reseller.id },
    });

    const state = await second.deps.temporal.workflow.getHandle(invite.body.workflowId).query(statusQuery);
    expect(state).toMatchObject({ status: 'accepted', linksSent: 1, partnershipId: accepted.body.partnership.id });
    // The link was mailed once, before the restart: the new worker did not send it again.
    expect((await mailTo(second, reseller.email)).filter((m) => m.text.includes('/invitations/'))).toHaveLength(1);
    const notice = await waitFor(async () =>
      (await mailTo(second, provider.email)).find((m) => m.template === 'invitationAccepted'),
    );
    expect(notice.text).toContain(reseller.partnerId);
  });
});
