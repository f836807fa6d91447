/**
 * The statuses of what the engine keeps, one closed list each. The database schema stores them as
 * text enums, the workflows report them in their state, the API shows them: all import them from
 * here. (A subscription's statuses live with its lifecycle rules, in subscription-lifecycle.ts.)
 */

export const partnerKinds = ['provider', 'reseller'] as const;
export type PartnerKind = (typeof partnerKinds)[number];

/** `pending` until the reseller answers, the provider revokes it, or it expires. */
export const invitationStatuses = ['pending', 'accepted', 'declined', 'revoked', 'expired'] as const;
export type InvitationStatus = (typeof invitationStatuses)[number];

export const partnershipStatuses = ['active', 'removed'] as const;
export type PartnershipStatus = (typeof partnershipStatuses)[number];

/** A new-customer operation: validated, reviewed, then provisioned (or stopped on the way). */
export const onboardingStatuses = [
  'validating',
  'awaiting_review',
  'provisioning',
  'completed',
  'rejected',
  'cancelled',
  'expired',
  'failed',
] as const;
export type OnboardingStatus = (typeof onboardingStatuses)[number];

export const customerStatuses = ['provisioning', 'active', 'deleted'] as const;
export type CustomerStatus = (typeof customerStatuses)[number];

export const customerUserStatuses = ['active', 'deleted'] as const;

export const orderStatuses = ['pending', 'completed', 'failed', 'cancelled'] as const;
export type OrderStatus = (typeof orderStatuses)[number];

/** A customer's approval of a new reseller: `pending` until the customer's contact answers. */
export const resellerRelationshipStatuses = ['pending', 'accepted', 'declined', 'revoked', 'expired'] as const;
export type ResellerRelationshipStatus = (typeof resellerRelationshipStatuses)[number];
