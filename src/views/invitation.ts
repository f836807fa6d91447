import { z } from 'zod';
import { uuid } from '../domain/text';
import { invitationStatuses, type invitations } from '../db/schema';

/** A partnership invitation as every reply and `invitation.*` event shows it. */
export const invitationSchema = z.object({
  id: uuid,
  status: z.enum(invitationStatuses),
  resellerEmail: z.string(),
  message: z.string().nullable(),
  expiresAt: z.string(),
  workflowId: z.string(),
  linkSentCount: z.number().int(),
  reminderSentAt: z.string().nullable(),
  resellerId: z.string().nullable(),
  partnershipId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type InvitationView = z.infer<typeof invitationSchema>;

type InvitationRow = Pick<
  typeof invitations.$inferSelect,
  | 'id'
  | 'status'
  | 'resellerEmail'
  | 'message'
  | 'expiresAt'
  | 'workflowId'
  | 'linkSentCount'
  | 'reminderSentAt'
  | 'resellerId'
  | 'partnershipId'
  | 'createdAt'
  | 'updatedAt'
>;

export function invitationView(invitation: InvitationRow): InvitationView {
  return {
    id: invitation.id,
    status: invitation.status,
    resellerEmail: invitation.resellerEmail,
    message: invitation.message,
    expiresAt: invitation.expiresAt.toISOString(),
    workflowId: invitation.workflowId,
    linkSentCount: invitation.linkSentCount,
    reminderSentAt: invitation.reminderSentAt?.toISOString() ?? null,
    resellerId: invitation.resellerId,
    partnershipId: invitation.partnershipId,
    createdAt: invitation.createdAt.toISOString(),
    updatedAt: invitation.updatedAt.toISOString(),
  };
}
