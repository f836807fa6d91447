import { defineQuery } from '@temporalio/workflow';

/** Messages of the webhook-delivery workflow, shared by the workflow, the relay that starts it and the tests. */

export type WebhookDeliveryInput = {
  deliveryId: string;
  eventId: string;
  endpointId: string;
  eventType: string;
  /** The endpoint's owner, for the ProviderId or ResellerId search attribute. */
  ownerId: string;
  ownerKind: 'provider' | 'reseller';
  /** Waits before each retry (WEBHOOK_RETRY_SCHEDULE when the delivery started); one attempt more than waits. */
  retryScheduleMs: number[];
};

export type WebhookAttemptOutcome = {
  /** `stopped`: the endpoint or the delivery is gone or disabled, so nothing more is tried. */
  outcome: 'delivered' | 'failed' | 'stopped';
  statusCode: number | null;
  error: string | null;
};

export type WebhookDeliveryState = {
  deliveryId: string;
  eventId: string;
  endpointId: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  last: WebhookAttemptOutcome | null;
  /** When the next attempt is due, while waiting for a retry. */
  nextAttemptAt: string | null;
};

export const webhookDeliveryStatusQuery = defineQuery<WebhookDeliveryState>('status');
