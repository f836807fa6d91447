import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { fakeSubscriptionRecords } from './subscription.fakes';

/**
 * The subscription workflows that provisioning starts as children run on the test's worker: they need
 * the subscription activities, and a seed for each subscription the fake provisioning made, at the
 * test server's time.
 */
export function childSubscriptions(env: TestWorkflowEnvironment) {
  const records = fakeSubscriptionRecords();
  return {
    activities: records.activities,
    /** Seeds the subscriptions a fake provisioning activity returns, so their workflows can load them. */
    async provisioned(subscriptionIds: string[]): Promise<string[]> {
      const startedAt = new Date(await env.currentTimeMs()).toISOString();
      for (const subscriptionId of subscriptionIds) records.seed({ subscriptionId, startedAt });
      return subscriptionIds;
    },
  };
}
