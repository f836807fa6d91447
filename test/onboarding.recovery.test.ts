import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { eq, sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { customerEvents, customers, customerUsers, orderLines, orders, subscriptions } from '../src/db/schema';
import { decodedHistoryText, startTestEngine, type TestEngine } from './support/harness';
import { databaseDump, onboardingBody, onboardingIn, reviewedOnboarding } from './support/onboarding.fixtures';
import { partneredPair } from './support/fixtures';
import { topologies, topologyTitle } from './support/topologies';

const engines: TestEngine[] = [];
afterAll(async () => {
  for (const engine of engines.reverse()) await engine.stop().catch(() => {});
});

describe.each(topologies())('$name', (topology) => {
  describe.skipIf(Boolean(topology.skip))(topologyTitle('a worker stopped in the middle of the saga', topology), () => {
    it('is replaced by another worker that finishes the onboarding exactly once', async () => {
      const taskQueue = `test-${randomUUID()}`;
      const temporal = { TEMPORAL_ADDRESS: topology.temporalAddress };
      const api = await startTestEngine({ taskQueue, runWorker: false, env: { ...temporal, SUBMIT_WAIT: '1s' } });
      engines.push(api);

      let stalled!: () => void;
      const stalledAtStep = new Promise<void>((resolve) => (stalled = resolve));
      // The first worker commits the subscriptions, then hangs before reporting back, until it is shut down.
      const first = await startTestEngine({
        taskQueue,
        runApi: false,
        env: temporal,
        activityTestHooks: {
          afterCommit: async (step) => {
            if (step !== 'provisionSubscriptions') return;
            stalled();
            await Context.current().cancelled;
          },
        },
      });
      engines.push(first);

      const { provider, reseller } = await partneredPair(api);
      const body = onboardingBody({ resellerId: reseller.id });
      const reviewed = await reviewedOnboarding(api, provider.apiKey, body);

      const submit = await api.request('POST', `/v1/customer-onboardings/${reviewed.id}/submit`, {
        key: provider.apiKey,
      });
      expect(submit.status).toBe(202);
      expect(submit.body).toMatchObject({ status: 'provisioning' });
      await stalledAtStep;
      expect(
        (await api.request('GET', `/v1/customer-onboardings/${reviewed.id}`, { key: provider.apiKey })).body.status,
      ).toBe('provisioning');

      await first.stop();
      const second = await startTestEngine({ taskQueue, runApi: false, env: temporal });
      engines.push(second);

      const completed = await onboardingIn(api, provider.apiKey, reviewed.id, ['completed', 'failed'], 60_000);
      expect(completed.status).toBe('completed');

      const reveal = await api.request('POST', `/v1/customer-onboardings/${reviewed.id}/credentials`, {
        key: provider.apiKey,
      });
      expect(reveal.status).toBe(200);
      expect(reveal.body.credentials.username).toBe(`admin@${body.company.domainPrefix}.onmicrosoft.com`);
      const password: string = reveal.body.credentials.temporaryPassword;
      expect(password.length).toBeGreaterThanOrEqual(16);
      const secondReveal = await api.request('POST', `/v1/customer-onboardings/${reviewed.id}/credentials`, {
        key: provider.apiKey,
      });
      expect(secondReveal.status).toBe(410);
      expect(secondReveal.body.error.code).toBe('CREDENTIALS_GONE');

      const db = api.deps.db;
      const customerRows = await db
        .select()
        .from(customers)
        .where(eq(customers.domainPrefix, body.company.domainPrefix));
      expect(customerRows).toHaveLength(1);
      const customerId = customerRows[0]!.id;
      expect(customerRows[0]).toMatchObject({ status: 'active', resellerId: reseller.id });
      expect(await db.select().from(customerUsers).where(eq(customerUsers.customerId, customerId))).toHaveLength(1);
      const orderRows = await db.select().from(orders).where(eq(orders.customerId, customerId));
      expect(orderRows).toHaveLength(1);
      expect(orderRows[0]!.status).toBe('completed');
      expect(await db.select().from(orderLines).where(eq(orderLines.orderId, orderRows[0]!.id))).toHaveLength(2);
      const subscriptionRows = await db.select().from(subscriptions).where(eq(subscriptions.customerId, customerId));
      expect(subscriptionRows).toHaveLength(2);
      expect(
        subscriptionRows.every((row) => row.status === 'active' && row.partnerIdOnRecord === reseller.partnerId),
      ).toBe(true);
      const provisionedEvents = await db
        .select({ count: sql<number>`count(*)::int` })
        .from(customerEvents)
        .where(
          sql`${customerEvents.customerId} = ${customerId} and ${customerEvents.action} = 'subscriptions.provisioned'`,
        );
      expect(provisionedEvents[0]!.count).toBe(1);

      const history = await decodedHistoryText(api, reviewed.workflowId);
      expect(history).toContain(`admin@${body.company.domainPrefix}.onmicrosoft.com`);
      expect(history).not.toContain(password);
      expect(await databaseDump(api)).not.toContain(password);
    });
  });
});
