import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { listSubscriptionsWithoutWorkflow } from '../db/queries/subscription-lifecycle';
import { subscriptionWorkflowId } from '../../workflows/ids';
import { subscriptionWorkflow } from '../../workflows/subscription';
import { CustomerDomain, ProcessStatus, ProviderId, ResellerId } from '../../workflows/search-attributes';

export type BackfillResult = { started: number; alreadyRunning: number };

/**
 * Gives every live subscription without a workflow its `subscription-<id>` (term from the offer's
 * billing cycle, started at its creation, as migration 0003 set them). Safe to run twice, and
 * alongside provisioning: the id reuse policy refuses a second run of the same subscription, so a
 * subscription whose workflow exists is only counted.
 */
export async function backfillSubscriptionWorkflows(
  deps: { db: Db; temporal: Client; taskQueue: string },
  options: { subscriptionIds?: string[] } = {},
): Promise<BackfillResult> {
  const result: BackfillResult = { started: 0, alreadyRunning: 0 };
  for (const row of await listSubscriptionsWithoutWorkflow(deps.db, options)) {
    try {
      await deps.temporal.workflow.start(subscriptionWorkflow, {
        taskQueue: deps.taskQueue,
        workflowId: subscriptionWorkflowId(row.subscriptionId),
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        args: [
          {
            subscriptionId: row.subscriptionId,
            customerId: row.customerId,
            providerId: row.providerId,
            customerDomain: row.customerDomain,
            resellerId: row.resellerId,
          },
        ],
        typedSearchAttributes: [
          { key: ProviderId, value: row.providerId },
          { key: CustomerDomain, value: row.customerDomain },
          { key: ProcessStatus, value: 'active' },
          ...(row.resellerId ? [{ key: ResellerId, value: row.resellerId }] : []),
        ],
        memo: { provider: row.providerName, customer: row.customerName },
      });
      result.started += 1;
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      result.alreadyRunning += 1;
    }
  }
  return result;
}
