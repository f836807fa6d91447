import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { ParentClosePolicy, patched, startChild } from '@temporalio/workflow';
import { subscriptionWorkflowId } from './ids';
import { subscriptionWorkflow } from './subscription';
import type { SubscriptionWorkflowInput } from './subscription.messages';

/**
 * Starts `subscription-<id>` for each subscription a provisioning just made. A child start is a
 * command in the provisioning run's history, so a replay after a crash never issues it twice; the
 * id reuse policy refuses a second run even if the backfill got there first, and the child outlives
 * its parent (ABANDON). Runs written before this existed skip it (the backfill covers them).
 */
export async function startSubscriptionWorkflows(
  subscriptionIds: string[],
  owner: Omit<SubscriptionWorkflowInput, 'subscriptionId' | 'carried'>,
): Promise<void> {
  if (!patched('subscription-workflows')) return;
  for (const subscriptionId of subscriptionIds) {
    try {
      await startChild(subscriptionWorkflow, {
        workflowId: subscriptionWorkflowId(subscriptionId),
        args: [{ subscriptionId, ...owner }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }
}
