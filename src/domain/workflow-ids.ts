/** Workflow ids are readable business keys, so an operator can find a run from a record id. */
export const invitationWorkflowId = (invitationId: string) => `invitation-${invitationId}`;
export const onboardingWorkflowId = (onboardingId: string) => `customer-onboarding-${onboardingId}`;
export const orderWorkflowId = (orderId: string) => `order-${orderId}`;
export const resellerRelationshipWorkflowId = (relationshipId: string) => `reseller-relationship-${relationshipId}`;
/** One delivery of one event to one endpoint; a redelivery (round ≥ 1) is a run of its own. */
export const webhookDeliveryWorkflowId = (eventId: string, endpointId: string, round: number) =>
  `webhook-delivery-${eventId}-${endpointId}${round > 0 ? `-redelivery-${round}` : ''}`;
export const eventRetentionScheduleId = 'event-retention';
export const subscriptionWorkflowId = (subscriptionId: string) => `subscription-${subscriptionId}`;
