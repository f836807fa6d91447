export { invitationWorkflow } from './invitation';
export { onboardingWorkflow } from './onboarding';
export { orderWorkflow } from './order';
export { resellerRelationshipWorkflow } from './reseller-relationship';
export { subscriptionWorkflow } from './subscription';
