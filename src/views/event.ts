import { z } from 'zod';
import { uuid } from '../domain/text';
import type { events } from '../db/schema';
import { eventTypes } from '../events/types';

/** An event as the API and the webhook body show it; `data` is the resource's own view at the time. */
export const eventSchema = z.object({
  id: uuid,
  type: z.enum(eventTypes),
  createdAt: z.string(),
  data: z.record(z.string(), z.unknown()).describe('The resource as the API shows it'),
});
export type EventView = z.infer<typeof eventSchema>;

export function eventView(event: Pick<typeof events.$inferSelect, 'id' | 'type' | 'createdAt' | 'data'>): EventView {
  return { id: event.id, type: event.type, createdAt: event.createdAt.toISOString(), data: event.data };
}
