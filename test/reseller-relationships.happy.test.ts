import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resellerRelationships } from '../src/db/schema';
import { sha256 } from '../src/security/tokens';
import { relationshipStatusQuery } from '../workflows/reseller-relationship.messages';
import { allEvents, createActiveCustomer, customerRow, partneredPair } from './support/fixtures';
import {
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

async function linkFor(contactEmail: string) {
  const [mail] = await waitFor(async () => {
    const messages = await mailTo(engine, contactEmail);
    return messages.length > 0 && messages;
  });
  return { mail: mail!, link: linkIn(mail!.text, '/reseller-relationships') };
}

describe('reseller relationship with an existing customer', () => {
  it("emails the customer's contact a link; accepting associates the reseller with the customer, audited with the workflow run", async () => {
    const { provider, reseller } = await partneredPair(engine);
    const customer = await createActiveCustomer(engine, { providerId: provider.id });

    const started = await engine.request('POST', `/v1/customers/${customer.id}/reseller-relationships`, {
      key: provider.apiKey,
      body: { resellerId: reseller.id },
    });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({
      status: 'pending',
      customerId: customer.id,
      resellerId: reseller.id,
      workflowId: `reseller-relationship-${started.body.id}`,
    });

    const { mail, link } = await linkFor(customer.contactEmail);
    expect(mail.text).toContain(reseller.name);
    const token = link.pathname.split('/').pop()!;
    expect(link.origin).toBe(new URL(engine.url).origin);

    const pageReply = await engine.request('GET', link.pathname);
    expect(pageReply.status).toBe(200);
    expect(pageReply.text).toContain(provider.name);
    expect(pageReply.text).toContain(reseller.name);
    expect(pageReply.text).toContain(customer.domain);

    const accepted = await engine.request('POST', `${link.pathname}/accept`);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({
      status: 'accepted',
      relationship: { id: started.body.id, status: 'accepted' },
    });
    expect((await customerRow(engine, customer.id)).resellerId).toBe(reseller.id);

    for (const key of [provider.apiKey, reseller.apiKey]) {
      const read = await engine.request('GET', `/v1/reseller-relationships/${started.body.id}`, { key });
      expect(read.status).toBe(200);
      expect(read.body.status).toBe('accepted');
    }

    const handle = engine.deps.temporal.workflow.getHandle(started.body.workflowId);
    const finalState = await handle.result();
    expect(finalState).toMatchObject({ status: 'accepted', closedAt: expect.any(String) });
    expect(await handle.query(relationshipStatusQuery)).toMatchObject({ status: 'accepted' });
    const description = await handle.describe();
    expect(description.searchAttributes).toMatchObject({
      ProcessStatus: ['accepted'],
      ResellerId: [reseller.id],
      ProviderId: [provider.id],
      CustomerDomain: [customer.domain],
    });

    // Now associated, the reseller reads the customer's audit trail.
    const events = await allEvents(engine, reseller.apiKey, customer.id);
    expect(events).toContainEqual(
      expect.objectContaining({
        action: 'customer.reseller_associated',
        actor: 'workflow',
        workflowId: started.body.workflowId,
        runId: description.runId,
        details: expect.objectContaining({
          relationshipId: started.body.id,
          resellerId: reseller.id,
          previousResellerId: null,
        }),
      }),
    );

    // The token lives only in the email: the database holds its hash, the escrow is gone, history never saw it.
    const [row] = await engine.deps.db
      .select()
      .from(resellerRelationships)
      .where(eq(resellerRelationships.id, started.body.id));
    expect(row).toMatchObject({ tokenHash: sha256(token), tokenEscrow: null });
    expect(JSON.stringify(row)).not.toContain(token);
    // Neither the raw nor the codec-decoded history carries the token; the workflow only ever sees ids.
    expect(await historyText(engine, started.body.workflowId)).not.toContain(token);
    expect(await decodedHistoryText(engine, started.body.workflowId)).not.toContain(token);
    expect(JSON.stringify(finalState)).not.toContain(token);

    // The same request again: the customer is already managed by that reseller.
    const again = await engine.request('POST', `/v1/customers/${customer.id}/reseller-relationships`, {
      key: provider.apiKey,
      body: { resellerId: reseller.id },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ALREADY_MANAGED');
  });

  it('declining leaves the customer without that reseller and closes the request', async () => {
    const { provider, reseller } = await partneredPair(engine);
    const customer = await createActiveCustomer(engine, { providerId: provider.id });
    const started = await engine.request('POST', `/v1/customers/${customer.id}/reseller-relationships`, {
      key: provider.apiKey,
      body: { resellerId: reseller.id },
    });
    const { link } = await linkFor(customer.contactEmail);

    const declined = await engine.request('POST', `${link.pathname}/decline`, {
      body: { reason: 'We manage our own tenant' },
    });
    expect(declined.status).toBe(200);
    expect(declined.body).toEqual({ status: 'declined' });
    expect((await customerRow(engine, customer.id)).resellerId).toBeNull();
    expect(
      (await engine.request('GET', `/v1/reseller-relationships/${started.body.id}`, { key: provider.apiKey })).body,
    ).toMatchObject({
      status: 'declined',
      declineReason: 'We manage our own tenant',
    });
    const pageReply = await engine.request('GET', `${link.pathname}?lang=en`);
    expect(pageReply.status).toBe(200);
    expect(pageReply.text).toContain('already declined');
  });

  it('returns the pending request instead of starting a second one for the same customer and reseller (200)', async () => {
    const { provider, reseller } = await partneredPair(engine);
    const customer = await createActiveCustomer(engine, { providerId: provider.id });
    const first = await engine.request('POST', `/v1/customers/${customer.id}/reseller-relationships`, {
      key: provider.apiKey,
      body: { resellerId: reseller.id },
    });
    const second = await engine.request('POST', `/v1/customers/${customer.id}/reseller-relationships`, {
      key: provider.apiKey,
      body: { resellerId: reseller.id },
    });
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
  });
});
