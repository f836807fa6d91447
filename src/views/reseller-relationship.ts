import { z } from 'zod';
import { uuid } from '../domain/text';
import { resellerRelationshipStatuses, type resellerRelationships } from '../db/schema';

/** A request that a customer accept a reseller, as every reply and `reseller_relationship.*` event shows it. */
export const resellerRelationshipSchema = z.object({
  id: uuid,
  status: z.enum(resellerRelationshipStatuses),
  providerId: uuid,
  customerId: uuid,
  resellerId: uuid,
  expiresAt: z.string(),
  reminderSentAt: z.string().nullable(),
  declineReason: z.string().nullable(),
  workflowId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ResellerRelationshipView = z.infer<typeof resellerRelationshipSchema>;

type ResellerRelationshipRow = Pick<
  typeof resellerRelationships.$inferSelect,
  | 'id'
  | 'status'
  | 'providerId'
  | 'customerId'
  | 'resellerId'
  | 'expiresAt'
  | 'reminderSentAt'
  | 'declineReason'
  | 'workflowId'
  | 'createdAt'
  | 'updatedAt'
>;

export function relationshipView(relationship: ResellerRelationshipRow): ResellerRelationshipView {
  return {
    id: relationship.id,
    status: relationship.status,
    providerId: relationship.providerId,
    customerId: relationship.customerId,
    resellerId: relationship.resellerId,
    expiresAt: relationship.expiresAt.toISOString(),
    reminderSentAt: relationship.reminderSentAt?.toISOString() ?? null,
    declineReason: relationship.declineReason,
    workflowId: relationship.workflowId,
    createdAt: relationship.createdAt.toISOString(),
    updatedAt: relationship.updatedAt.toISOString(),
  };
}
