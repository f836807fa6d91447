import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Activities } from '../../activities';
import { webhookDeliveryWorkflow } from '../../workflows/webhook-delivery';
import type { WebhookAttemptOutcome } from '../../workflows/webhook-delivery.messages';
import { webhookDeliveryWorkflowId } from '../../workflows/ids';
import { recordCalls } from './calls';
import { keepHistory } from './histories';
import { timeSkippingServerPerFile, onWorker } from './support';

type DeliveryActivities = Pick<Activities, 'attemptWebhookDelivery' | 'settleWebhookDelivery'>;

const MINUTE = 60_000;
/** PRODUCT.md §7's shape: waits of minutes, then hours (five waits, six attempts). */
const schedule = [MINUTE, 5 * MINUTE, 30 * MINUTE, 2 * 60 * MINUTE, 5 * 60 * MINUTE];

const delivered: WebhookAttemptOutcome = { outcome: 'delivered', statusCode: 204, error: null };
const failed: WebhookAttemptOutcome = { outcome: 'failed', statusCode: 503, error: 'HTTP 503' };
const stopped: WebhookAttemptOutcome = { outcome: 'stopped', statusCode: null, error: 'endpoint disabled' };

const server = timeSkippingServerPerFile();

/** Delivers one event to an endpoint whose attempts answer `outcomes` in turn (the last one repeats). */
async function deliver(outcomes: WebhookAttemptOutcome[], history: string) {
  const fakes: DeliveryActivities = {
    async attemptWebhookDelivery({ attempt }) {
      return outcomes[Math.min(attempt, outcomes.length) - 1]!;
    },
    async settleWebhookDelivery() {},
  };
  const recorder = recordCalls(fakes);
  const deliveryId = randomUUID();
  const eventId = randomUUID();
  const result = await onWorker(server.env, recorder.activities, async (taskQueue) => {
    const handle = await server.env.client.workflow.start(webhookDeliveryWorkflow, {
      taskQueue,
      workflowId: webhookDeliveryWorkflowId(eventId, 'endpoint-1', 0),
      args: [
        {
          deliveryId,
          eventId,
          endpointId: 'endpoint-1',
          eventType: 'invitation.accepted',
          ownerId: 'provider-1',
          ownerKind: 'provider',
          retryScheduleMs: schedule,
        },
      ],
    });
    const state = await handle.result();
    await keepHistory(handle, history);
    return state;
  });
  return { deliveryId, result, ...recorder };
}

describe('webhook-delivery workflow (time-skipping)', () => {
  it('delivered at the first attempt: settled as delivered, no retry', async () => {
    const { deliveryId, result, calls } = await deliver([delivered], 'webhook-delivery-delivered');
    expect(result).toMatchObject({ status: 'delivered', attempts: 1, last: delivered, nextAttemptAt: null });
    expect(calls).toEqual([
      { name: 'attemptWebhookDelivery', input: { deliveryId, attempt: 1 } },
      { name: 'settleWebhookDelivery', input: { deliveryId, status: 'delivered' } },
    ]);
  });

  it('retries after each wait of the schedule and settles as delivered when an attempt succeeds', async () => {
    const { deliveryId, result, inputsOf } = await deliver(
      [failed, failed, failed, delivered],
      'webhook-delivery-retried',
    );
    expect(result).toMatchObject({ status: 'delivered', attempts: 4 });
    expect(inputsOf('attemptWebhookDelivery')).toEqual([1, 2, 3, 4].map((attempt) => ({ deliveryId, attempt })));
    expect(inputsOf('settleWebhookDelivery')).toEqual([{ deliveryId, status: 'delivered' }]);
  });

  it('gives up after the last wait of the schedule (one attempt more than waits) and settles as failed', async () => {
    const { deliveryId, result, inputsOf } = await deliver([failed], 'webhook-delivery-gave-up');
    expect(result).toMatchObject({ status: 'failed', attempts: schedule.length + 1, last: failed });
    expect(inputsOf('attemptWebhookDelivery')).toHaveLength(schedule.length + 1);
    expect(inputsOf('settleWebhookDelivery')).toEqual([{ deliveryId, status: 'failed' }]);
  });

  it('stops at once when the endpoint is gone or disabled: no further attempt', async () => {
    const { deliveryId, result, calls } = await deliver([failed, stopped], 'webhook-delivery-stopped');
    expect(result).toMatchObject({ status: 'failed', attempts: 2, last: stopped });
    expect(calls.map((call) => call.name)).toEqual([
      'attemptWebhookDelivery',
      'attemptWebhookDelivery',
      'settleWebhookDelivery',
    ]);
    expect(calls.at(-1)!.input).toEqual({ deliveryId, status: 'failed' });
  });
});
