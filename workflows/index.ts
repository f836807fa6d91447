export { invitationWorkflow } from './invitation';
export { onboardingWorkflow } from './onboarding';
export { orderWorkflow } from './order';
export { resellerRelationshipWorkflow } from './reseller-relationship';
export { webhookDeliveryWorkflow } from './webhook-delivery';
export { eventRetentionWorkflow } from './event-retention';
export { subscriptionWorkflow } from './subscription';
