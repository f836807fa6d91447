import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { InvitationStatus } from '../src/domain/statuses';

/** Messages of the invitation workflow, shared by the workflow, the API and the tests. */

export type InvitationInput = {
  invitationId: string;
  providerId: string;
  providerName: string;
  providerCountry: string;
  resellerEmail: string;
  /** ISO instant the link stops working; resend moves it. */
  expiresAt: string;
  ttlMs: number;
  reminderBeforeMs: number;
};

export type InvitationState = {
  invitationId: string;
  providerId: string;
  status: InvitationStatus;
  resellerEmail: string;
  expiresAt: string;
  linksSent: number;
  remindersSent: number;
  resellerId: string | null;
  partnershipId: string | null;
  closedAt: string | null;
};

/** What the API learned about the reseller who clicked accept; the validator checks it against the invitation. */
export type AcceptingReseller = {
  resellerId: string;
  /** Display name, for the run's memo. */
  name: string;
  partnerId: string;
  email: string;
  country: string;
  cspEnrolled: boolean;
};

export type AcceptResult = { status: 'accepted'; partnershipId: string };

export const statusQuery = defineQuery<InvitationState>('status');
export const acceptUpdate = defineUpdate<AcceptResult, [AcceptingReseller]>('accept');
export const declineUpdate = defineUpdate<{ status: 'declined' }, [{ reason?: string }]>('decline');
export const revokeUpdate = defineUpdate<{ status: 'revoked' }, []>('revoke');
export const resendUpdate = defineUpdate<{ expiresAt: string }, []>('resend');
