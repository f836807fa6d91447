import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActiveCustomer, customerRow, partneredPair } from './support/fixtures';
import { linkIn, mailTo, startTestEngine, waitFor, type TestEngine } from './support/harness';

let engine: TestEngine;
beforeAll(async () => {
  // A short life so the reminder and the expiry happen within the test.
  engine = await startTestEngine({ env: { INVITATION_TTL: '7s', REMINDER_BEFORE: '4s' } });
});
afterAll(async () => {
  await engine?.stop();
});

describe('reseller relationship expiry', () => {
  it('reminds the contact with the same link before the deadline, then expires: page and accept answer 410, the customer is unchanged', async () => {
    const { provider, reseller } = await partneredPair(engine);
    const customer = await createActiveCustomer(engine, { providerId: provider.id });
    const started = await engine.request('POST', `/v1/customers/${customer.id}/reseller-relationships`, {
      key: provider.apiKey,
      body: { resellerId: reseller.id },
    });
    expect(started.status).toBe(202);

    const reminder = await waitFor(
      async () => (await mailTo(engine, customer.contactEmail)).find((m) => m.template === 'relationshipReminder'),
      { what: 'the reminder' },
    );
    const first = (await mailTo(engine, customer.contactEmail)).find((m) => m.template === 'relationshipLink')!;
    const link = linkIn(first.text, '/reseller-relationships');
    expect(linkIn(reminder.text, '/reseller-relationships').href).toBe(link.href);
    expect(
      (await engine.request('GET', `/v1/reseller-relationships/${started.body.id}`, { key: provider.apiKey })).body
        .reminderSentAt,
    ).not.toBeNull();

    const handle = engine.deps.temporal.workflow.getHandle(started.body.workflowId);
    const final = await handle.result();
    expect(final).toMatchObject({ status: 'expired', remindersSent: 1 });

    expect((await engine.request('GET', link.pathname)).status).toBe(410);
    const accept = await engine.request('POST', `${link.pathname}/accept`);
    expect(accept.status).toBe(410);
    expect(accept.body.error.code).toBe('RELATIONSHIP_EXPIRED');
    expect(
      (await engine.request('GET', `/v1/reseller-relationships/${started.body.id}`, { key: provider.apiKey })).body
        .status,
    ).toBe('expired');
    expect((await customerRow(engine, customer.id)).resellerId).toBeNull();
  });
});
