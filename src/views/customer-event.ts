import { z } from 'zod';
import { uuid } from '../domain/text';
import type { customerEvents } from '../db/schema';

/** One entry of a customer's audit trail: who changed what, when, in which workflow run. */
export const customerEventSchema = z.object({
  id: z.string(),
  customerId: uuid,
  actor: z.string().describe('`partner:<id>`, `operator` or `workflow`'),
  action: z.string(),
  details: z.record(z.string(), z.unknown()),
  workflowId: z.string().nullable(),
  runId: z.string().nullable(),
  createdAt: z.string(),
});
export type CustomerEventView = z.infer<typeof customerEventSchema>;

type CustomerEventRow = Pick<
  typeof customerEvents.$inferSelect,
  'id' | 'customerId' | 'actor' | 'action' | 'details' | 'workflowId' | 'runId' | 'createdAt'
>;

export function customerEventView(event: CustomerEventRow): CustomerEventView {
  return {
    id: String(event.id),
    customerId: event.customerId,
    actor: event.actor,
    action: event.action,
    details: event.details,
    workflowId: event.workflowId,
    runId: event.runId,
    createdAt: event.createdAt.toISOString(),
  };
}
