import { proxyActivities, setHandler, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import { defaultActivityOptions } from './activity-options';
import type { Activities } from '../activities';
import { ProcessStatus, ProviderId, ResellerId } from './search-attributes';
import {
  webhookDeliveryStatusQuery,
  type WebhookDeliveryInput,
  type WebhookDeliveryState,
} from './webhook-delivery.messages';

// One attempt waits at most 15 s for the endpoint's answer, plus its database writes: 45 s per attempt.
const activities = proxyActivities<Activities>({ ...defaultActivityOptions, startToCloseTimeout: '45s' });

/**
 * Delivers one event to one endpoint: an attempt, then the retry schedule as durable timers, so an
 * operator sees every wait and attempt in the history. Signing happens inside the attempt activity,
 * which reads the secret itself: no secret ever enters this workflow's history.
 */
export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<WebhookDeliveryState> {
  const state: WebhookDeliveryState = {
    deliveryId: input.deliveryId,
    eventId: input.eventId,
    endpointId: input.endpointId,
    status: 'pending',
    attempts: 0,
    last: null,
    nextAttemptAt: null,
  };
  setHandler(webhookDeliveryStatusQuery, () => state);
  upsertSearchAttributes([
    { key: input.ownerKind === 'provider' ? ProviderId : ResellerId, value: input.ownerId },
    { key: ProcessStatus, value: 'pending' },
  ]);

  for (let attempt = 1; ; attempt++) {
    state.nextAttemptAt = null;
    state.last = await activities.attemptWebhookDelivery({ deliveryId: input.deliveryId, attempt });
    state.attempts = attempt;
    if (state.last.outcome === 'delivered') {
      state.status = 'delivered';
      break;
    }
    const wait = input.retryScheduleMs[attempt - 1];
    if (state.last.outcome === 'stopped' || wait === undefined) {
      state.status = 'failed';
      break;
    }
    state.nextAttemptAt = new Date(Date.now() + wait).toISOString();
    await sleep(wait);
  }
  await activities.settleWebhookDelivery({ deliveryId: input.deliveryId, status: state.status });
  upsertSearchAttributes([{ key: ProcessStatus, value: state.status }]);
  return state;
}
