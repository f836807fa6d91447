import { ApplicationFailure } from '@temporalio/common';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerEvents } from '../src/db/schema';
import { provisioningSteps, type ProvisioningStep } from '../workflows/onboarding.messages';
import { startTestEngine, type TestEngine, type TestPartner } from './support/harness';
import { liveRowsFor, onboardingBody, onboardingIn, reviewedOnboarding } from './support/onboarding.fixtures';
import { partneredPair } from './support/fixtures';

/** The step the next saga run fails at, right after it committed: the hardest moment to undo. */
let failAt: ProvisioningStep | null = null;

let engine: TestEngine;
let provider: TestPartner;
let reseller: TestPartner;
beforeAll(async () => {
  engine = await startTestEngine({
    activityTestHooks: {
      afterCommit: async (step) => {
        if (step === failAt) throw ApplicationFailure.nonRetryable(`injected failure at ${step}`, 'INJECTED_FAULT');
      },
    },
  });
  ({ provider, reseller } = await partneredPair(engine));
});
afterAll(async () => {
  await engine?.stop();
});

describe('the provisioning saga compensates a failure at any step', () => {
  it.each(provisioningSteps.map((step) => [step]))(
    'undoes everything when %s fails, leaving the domain reusable',
    async (step) => {
      const body = onboardingBody({ resellerId: reseller.id, supportContactResellerId: reseller.id });
      const reviewed = await reviewedOnboarding(engine, provider.apiKey, body);

      failAt = step;
      const submit = await engine.request('POST', `/v1/customer-onboardings/${reviewed.id}/submit`, {
        key: provider.apiKey,
      });
      failAt = null;
      expect(submit.status).toBe(502);
      expect(submit.body.error.code).toBe('PROVISIONING_FAILED');
      expect(submit.body.error.message).toContain(`injected failure at ${step}`);

      const failed = await onboardingIn(engine, provider.apiKey, reviewed.id, ['failed']);
      expect(failed.failureReason).toContain(step);
      expect(await liveRowsFor(engine, body.company.domainPrefix)).toEqual({
        customers: 0,
        users: 0,
        orders: 0,
        subscriptions: 0,
        escrow: 0,
      });
      const workflow = engine.deps.temporal.workflow.getHandle(reviewed.workflowId);
      expect((await workflow.describe()).searchAttributes.ProcessStatus).toEqual(['failed']);

      // The tenant's compensation is audited with the run that made it.
      const [deleted] = await engine.deps.db
        .select()
        .from(customerEvents)
        .where(and(eq(customerEvents.action, 'customer.deleted'), eq(customerEvents.workflowId, reviewed.workflowId)));
      expect(deleted).toBeDefined();

      const list = await engine.request('GET', `/v1/customers?q=${body.company.domainPrefix}`, {
        key: provider.apiKey,
      });
      expect(list.body.items).toEqual([]);

      // The same domain goes through on a second attempt.
      const retry = await reviewedOnboarding(engine, provider.apiKey, body);
      const second = await engine.request('POST', `/v1/customer-onboardings/${retry.id}/submit`, {
        key: provider.apiKey,
      });
      expect(second.status).toBe(200);
      expect(second.body.customer.domain).toBe(`${body.company.domainPrefix}.onmicrosoft.com`);
    },
  );
});
