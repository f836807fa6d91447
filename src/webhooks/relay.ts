import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { Db } from '../db/client';
import {
  claimUnstartedDeliveries,
  hasUnstartedDeliveries,
  markDeliveriesStarted,
} from '../db/queries/webhook-deliveries';
import type { Logger } from '../logger';
import { startPeriodic } from '../periodic';
import { webhookDeliveryWorkflow } from '../../workflows/webhook-delivery';
import type { WebhookSettings } from './settings';

const batchSize = 50;

/**
 * The relay from the delivery outbox to Temporal. Deliveries are rows written with their event, in
 * the transaction of the change; the relay starts `webhook-delivery-…` for each row not yet started
 * and marks it, in one transaction holding the rows (SKIP LOCKED, so several workers share the work).
 * A worker killed between the commit and the start leaves the row unstarted for the next pass; one
 * killed after the start but before the mark starts it again, which Temporal refuses (the workflow id
 * is derived from event, endpoint and round, and duplicates are rejected): nothing lost, nothing twice.
 * A relay takes only the deliveries of endpoints registered on its task queue. An idle relay only
 * reads whether there is anything to take (one round trip per WEBHOOK_RELAY_INTERVAL, no lock).
 */
export function startDeliveryRelay(deps: {
  db: Db;
  temporal: Client;
  taskQueue: string;
  settings: WebhookSettings;
  logger: Logger;
}) {
  /** Starts one batch; returns how many rows it took. */
  const pass = async () => {
    if (!(await hasUnstartedDeliveries(deps.db, { taskQueue: deps.taskQueue }))) return 0;
    return deps.db.transaction(async (tx) => {
      const batch = await claimUnstartedDeliveries(tx, { taskQueue: deps.taskQueue, limit: batchSize });
      const starts = await Promise.allSettled(
        batch.map((delivery) =>
          deps.temporal.workflow.start(webhookDeliveryWorkflow, {
            taskQueue: deps.taskQueue,
            workflowId: delivery.workflowId,
            workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
            args: [
              {
                deliveryId: delivery.id,
                eventId: delivery.eventId,
                endpointId: delivery.endpointId,
                eventType: delivery.eventType,
                ownerId: delivery.ownerId,
                ownerKind: delivery.ownerKind,
                retryScheduleMs: deps.settings.retryScheduleMs,
              },
            ],
            memo: { eventType: delivery.eventType },
          }),
        ),
      );
      // Any failure but "already started" rolls the batch back; the next pass retries it (the started ones then answer "already started").
      const failure = starts.find(
        (start) => start.status === 'rejected' && !(start.reason instanceof WorkflowExecutionAlreadyStartedError),
      );
      if (failure) throw (failure as PromiseRejectedResult).reason;
      await markDeliveriesStarted(
        tx,
        batch.map((delivery) => delivery.id),
      );
      return batch.length;
    });
  };

  return startPeriodic({
    what: 'webhook relay pass',
    intervalMs: deps.settings.relayIntervalMs,
    logger: deps.logger,
    run: async (stopped) => {
      while (!stopped() && (await pass()) === batchSize);
    },
  });
}
