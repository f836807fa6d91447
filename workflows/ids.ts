/** Workflow ids are readable business keys, so an operator can find a run from a record id. */
export const invitationWorkflowId = (invitationId: string) => `invitation-${invitationId}`;
export const onboardingWorkflowId = (onboardingId: string) => `customer-onboarding-${onboardingId}`;
export const orderWorkflowId = (orderId: string) => `order-${orderId}`;
export const resellerRelationshipWorkflowId = (relationshipId: string) => `reseller-relationship-${relationshipId}`;
export const subscriptionWorkflowId = (subscriptionId: string) => `subscription-${subscriptionId}`;
