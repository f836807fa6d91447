import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessStatus, ProviderId, ResellerId } from '../workflows/search-attributes';
import {
  createTestPartner,
  linkIn,
  mailTo,
  startTestEngine,
  uniqueEmail,
  waitFor,
  type TestEngine,
  type TestPartner,
} from './support/harness';
import { invite } from './support/invitations';

let engine: TestEngine;
beforeAll(async () => {
  engine = await startTestEngine();
});
afterAll(async () => {
  await engine?.stop();
});

const rowCount = async (query: ReturnType<typeof sql>) => {
  const result = (await engine.deps.db.execute(query)) as unknown as { rows?: { n: number }[] } & { n: number }[];
  const rows = result.rows ?? result;
  return Number(rows[0]!.n);
};

describe('invitation decline and revoke', () => {
  it('declining through the link ends the invitation as declined and creates no partnership', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
    const { invitation, link } = await invite(engine, provider, reseller.email);

    const declined = await engine.request('POST', `${link}/decline`, { body: { reason: 'Not this year' } });
    expect(declined.status).toBe(200);
    expect(declined.body).toEqual({ status: 'declined' });

    const after = await engine.request('GET', `/v1/invitations/${invitation.id}`, { key: provider.apiKey });
    expect(after.body).toMatchObject({ status: 'declined', partnershipId: null });
    const partnerships = await engine.request('GET', '/v1/partnerships', { key: provider.apiKey });
    expect(partnerships.body.items).toEqual([]);
    const status = await engine.deps.temporal.workflow.getHandle(invitation.workflowId).result();
    expect(status.status).toBe('declined');

    // The link now tells the reseller it was answered, and a late accept is a state conflict.
    const lateAccept = await engine.request('POST', `${link}/accept`, { body: { partnerId: reseller.partnerId } });
    expect(lateAccept.status).toBe(409);
  });

  it("the page's HTML form accepts with the reseller's partnerId", async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
    const { invitation, link } = await invite(engine, provider, reseller.email);
    const pageReply = await engine.request('GET', link);
    // The reseller is in Spain: the page is Spanish, and its form keeps the language for the answer.
    expect(pageReply.text).toContain(`action="${link}/accept?lang=es"`);
    const accepted = await engine.request('POST', `${link}/accept`, {
      rawBody: new URLSearchParams({ partnerId: reseller.partnerId }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    });
    expect(accepted.status).toBe(200);
    expect(accepted.headers.get('content-type')).toContain('text/html');
    expect(accepted.text).toContain(provider.name);
    const after = await engine.request('GET', `/v1/invitations/${invitation.id}`, { key: provider.apiKey });
    expect(after.body.status).toBe('accepted');
  });

  it("the page's HTML form declines", async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const email = uniqueEmail('reseller');
    const { invitation, link } = await invite(engine, provider, email);
    const declined = await engine.request('POST', `${link}/decline`, {
      rawBody: '',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    });
    expect(declined.status).toBe(200);
    expect(declined.text).toContain('Invitación rechazada');
    const after = await engine.request('GET', `/v1/invitations/${invitation.id}`, { key: provider.apiKey });
    expect(after.body.status).toBe('declined');
  });

  it('revoking kills the link (410 on the page and on accept) and a second revoke is a 409', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
    const { invitation, link } = await invite(engine, provider, reseller.email);

    const revoked = await engine.request('POST', `/v1/invitations/${invitation.id}/revoke`, { key: provider.apiKey });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: invitation.id, status: 'revoked' });

    const pageReply = await engine.request('GET', link);
    expect(pageReply.status).toBe(410);
    expect(pageReply.headers.get('content-type')).toContain('text/html');
    const accept = await engine.request('POST', `${link}/accept`, { body: { partnerId: reseller.partnerId } });
    expect(accept.status).toBe(410);
    expect(accept.body.error.code).toBe('INVITATION_REVOKED');
    const decline = await engine.request('POST', `${link}/decline`, { body: {} });
    expect(decline.status).toBe(410);

    const again = await engine.request('POST', `/v1/invitations/${invitation.id}/revoke`, { key: provider.apiKey });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('INVITATION_NOT_PENDING');
    const resend = await engine.request('POST', `/v1/invitations/${invitation.id}/resend`, { key: provider.apiKey });
    expect(resend.status).toBe(409);

    const result = await engine.deps.temporal.workflow.getHandle(invitation.workflowId).result();
    expect(result.status).toBe('revoked');
  });
});

describe('what operators see in the Temporal UI', () => {
  it('keeps the search attributes ProviderId, ResellerId and ProcessStatus current as the invitation moves', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
    const { invitation, link } = await invite(engine, provider, reseller.email);
    const handle = engine.deps.temporal.workflow.getHandle(invitation.workflowId);
    expect(invitation.workflowId).toBe(`invitation-${invitation.id}`);

    const pending = await handle.describe();
    expect(pending.typedSearchAttributes.get(ProviderId)).toBe(provider.id);
    expect(pending.typedSearchAttributes.get(ProcessStatus)).toBe('pending');
    expect(pending.typedSearchAttributes.get(ResellerId)).toBeUndefined();

    expect((await engine.request('POST', `${link}/accept`, { body: { partnerId: reseller.partnerId } })).status).toBe(
      200,
    );
    await handle.result();
    const accepted = await handle.describe();
    expect(accepted.typedSearchAttributes.get(ProcessStatus)).toBe('accepted');
    expect(accepted.typedSearchAttributes.get(ResellerId)).toBe(reseller.id);
    const found = await waitFor(
      async () => {
        const count = await engine.deps.temporal.workflow.count(
          `ProviderId = '${provider.id}' AND ProcessStatus = 'accepted'`,
        );
        return count.count === 1 && count;
      },
      { what: 'the run in the visibility store' },
    );
    expect(found.count).toBe(1);
  });
});

describe('concurrent accepts', () => {
  it('five parallel accepts of one link: exactly one 200, the others 409, exactly one partnership row', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
    const { invitation, link } = await invite(engine, provider, reseller.email);

    const replies = await Promise.all(
      Array.from({ length: 5 }, () =>
        engine.request('POST', `${link}/accept`, { body: { partnerId: reseller.partnerId } }),
      ),
    );
    const statuses = replies.map((reply) => reply.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409]);
    for (const refused of replies.filter((reply) => reply.status === 409)) {
      expect(['INVITATION_BUSY', 'INVITATION_NOT_PENDING']).toContain(refused.body.error.code);
    }

    const rows = await rowCount(
      sql`select count(*)::int as n from partnerships where provider_id = ${provider.id} and reseller_id = ${reseller.id}`,
    );
    expect(rows).toBe(1);
    const after = await engine.request('GET', `/v1/invitations/${invitation.id}`, { key: provider.apiKey });
    expect(after.body).toMatchObject({ status: 'accepted', resellerId: reseller.id });
    // The provider is told once.
    const notices = await waitFor(async () => {
      const mails = (await mailTo(engine, provider.email)).filter((m) => m.template === 'invitationAccepted');
      return mails.length > 0 && mails;
    });
    expect(notices).toHaveLength(1);
  });
});

describe('idempotent invite', () => {
  it('inviting the same address again, in another case, answers 200 with the pending invitation', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const email = uniqueEmail('reseller');
    const first = await engine.request('POST', '/v1/invitations', {
      key: provider.apiKey,
      body: { resellerEmail: email },
    });
    expect(first.status).toBe(202);
    const again = await engine.request('POST', '/v1/invitations', {
      key: provider.apiKey,
      body: { resellerEmail: email.toUpperCase() },
    });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const list = await engine.request('GET', '/v1/invitations', { key: provider.apiKey });
    expect(list.body.items).toHaveLength(1);
  });

  it('five parallel invites to one address start one invitation: one 202, the rest 200 with the same id', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const email = uniqueEmail('reseller');
    const replies = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        engine.request('POST', '/v1/invitations', {
          key: provider.apiKey,
          body: { resellerEmail: i % 2 ? email.toUpperCase() : email },
        }),
      ),
    );
    expect(replies.map((reply) => reply.status).sort()).toEqual([200, 200, 200, 200, 202]);
    expect(new Set(replies.map((reply) => reply.body.id)).size).toBe(1);
    expect(await rowCount(sql`select count(*)::int as n from invitations where provider_id = ${provider.id}`)).toBe(1);
  });

  it('parallel requests with one Idempotency-Key all get the first answer', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const email = uniqueEmail('reseller');
    const headers = { 'idempotency-key': `parallel-${email}` };
    const replies = await Promise.all(
      Array.from({ length: 3 }, () =>
        engine.request('POST', '/v1/invitations', { key: provider.apiKey, body: { resellerEmail: email }, headers }),
      ),
    );
    expect(replies.map((reply) => reply.status)).toEqual([202, 202, 202]);
    expect(replies[1]!.body).toEqual(replies[0]!.body);
    expect(replies[2]!.body).toEqual(replies[0]!.body);
    expect(await rowCount(sql`select count(*)::int as n from invitations where provider_id = ${provider.id}`)).toBe(1);
  });

  it('an Idempotency-Key replay returns the same answer and starts nothing new; the key with another body is 422', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const email = uniqueEmail('reseller');
    const headers = { 'idempotency-key': `invite-${email}` };
    const first = await engine.request('POST', '/v1/invitations', {
      key: provider.apiKey,
      body: { resellerEmail: email },
      headers,
    });
    expect(first.status).toBe(202);
    await waitFor(async () => (await mailTo(engine, email)).length > 0);

    const replay = await engine.request('POST', '/v1/invitations', {
      key: provider.apiKey,
      body: { resellerEmail: email },
      headers,
    });
    // The stored first answer, not a fresh "already pending" 200.
    expect(replay.status).toBe(202);
    expect(replay.body).toEqual(first.body);

    const rows = await rowCount(sql`select count(*)::int as n from invitations where provider_id = ${provider.id}`);
    expect(rows).toBe(1);
    const workflows = await engine.deps.temporal.workflow.count(`WorkflowId = '${first.body.workflowId}'`);
    expect(workflows.count).toBe(1);
    expect(await mailTo(engine, email)).toHaveLength(1);

    const otherBody = await engine.request('POST', '/v1/invitations', {
      key: provider.apiKey,
      body: { resellerEmail: uniqueEmail('reseller') },
      headers,
    });
    expect(otherBody.status).toBe(422);
    expect(otherBody.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await rowCount(sql`select count(*)::int as n from invitations where provider_id = ${provider.id}`)).toBe(1);
  });

  it('inviting a reseller already in an active partnership is a 409', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
    const { link } = await invite(engine, provider, reseller.email);
    expect((await engine.request('POST', `${link}/accept`, { body: { partnerId: reseller.partnerId } })).status).toBe(
      200,
    );

    const again = await engine.request('POST', '/v1/invitations', {
      key: provider.apiKey,
      body: { resellerEmail: reseller.email.toUpperCase() },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ALREADY_PARTNERS');
  });

  it('after a decline, inviting the same address starts a new invitation', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const email = uniqueEmail('reseller');
    const { invitation, link } = await invite(engine, provider, email);
    expect((await engine.request('POST', `${link}/decline`, { body: {} })).status).toBe(200);

    const fresh = await engine.request('POST', '/v1/invitations', {
      key: provider.apiKey,
      body: { resellerEmail: email },
    });
    expect(fresh.status).toBe(202);
    expect(fresh.body.id).not.toBe(invitation.id);
    expect(fresh.body.status).toBe('pending');
    const links = await waitFor(async () => {
      const mails = (await mailTo(engine, email)).filter((m) => m.text.includes('/invitations/'));
      return mails.length === 2 && mails;
    });
    // A new invitation has a new link; the old one stays answered.
    const newLink = linkIn(links[0]!.text, '/invitations').pathname;
    expect(newLink).not.toBe(link);
    expect((await engine.request('GET', newLink)).status).toBe(200);
  });
});
