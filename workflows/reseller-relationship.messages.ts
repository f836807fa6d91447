import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ResellerRelationshipStatus } from '../src/domain/statuses';

/** Messages of the reseller-relationship workflow, shared by the workflow, the API and the tests. */

export type ResellerRelationshipInput = {
  relationshipId: string;
  providerId: string;
  resellerId: string;
  customerId: string;
  customerDomain: string;
  /** ISO instant the link stops working. */
  expiresAt: string;
  reminderBeforeMs: number;
};

export type ResellerRelationshipState = {
  relationshipId: string;
  providerId: string;
  resellerId: string;
  customerId: string;
  status: ResellerRelationshipStatus;
  expiresAt: string;
  remindersSent: number;
  closedAt: string | null;
};

export const relationshipStatusQuery = defineQuery<ResellerRelationshipState>('status');
/** The customer's contact accepted on the link page; the reseller becomes the customer's reseller. */
export const acceptRelationshipUpdate = defineUpdate<{ status: 'accepted' }, []>('accept');
export const declineRelationshipUpdate = defineUpdate<{ status: 'declined' }, [{ reason?: string }]>('decline');
export const revokeRelationshipUpdate = defineUpdate<{ status: 'revoked' }, []>('revoke');
