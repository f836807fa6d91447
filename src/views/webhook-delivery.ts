import { z } from 'zod';
import { uuid } from '../domain/text';
import type { events, webhookAttempts, webhookDeliveries } from '../db/schema';
import { deliveryStatuses, eventTypes } from '../events/types';

/** One attempt to deliver an event to an endpoint, with its delivery's status. */
export const deliverySchema = z.object({
  id: uuid,
  eventId: uuid,
  eventType: z.enum(eventTypes),
  attempt: z.number().int(),
  statusCode: z.number().int().nullable(),
  durationMs: z.number().int(),
  error: z.string().nullable(),
  responseBody: z.string().nullable().describe('The first 4 KiB of the answer'),
  deliveryStatus: z.enum(deliveryStatuses),
  workflowId: z.string(),
  createdAt: z.string(),
});
export type DeliveryView = z.infer<typeof deliverySchema>;

/** An attempt row with its delivery and event joined (db/queries/webhook-deliveries). */
type AttemptRow = Pick<
  typeof webhookAttempts.$inferSelect,
  'id' | 'attempt' | 'statusCode' | 'durationMs' | 'error' | 'responseBody' | 'createdAt'
> & {
  eventId: (typeof webhookDeliveries.$inferSelect)['eventId'];
  eventType: (typeof events.$inferSelect)['type'];
  deliveryStatus: (typeof webhookDeliveries.$inferSelect)['status'];
  workflowId: (typeof webhookDeliveries.$inferSelect)['workflowId'];
};

export function deliveryView(attempt: AttemptRow): DeliveryView {
  return {
    id: attempt.id,
    eventId: attempt.eventId,
    eventType: attempt.eventType,
    attempt: attempt.attempt,
    statusCode: attempt.statusCode,
    durationMs: attempt.durationMs,
    error: attempt.error,
    responseBody: attempt.responseBody,
    deliveryStatus: attempt.deliveryStatus,
    workflowId: attempt.workflowId,
    createdAt: attempt.createdAt.toISOString(),
  };
}
