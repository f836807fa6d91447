import type { Db } from '../src/db/client';
import type { Logger } from '../src/logger';
import type { Mailer } from '../src/mail/mailer';
import type { KeyRing } from '../src/security/cipher';
import type { SubscriptionTiming } from '../src/domain/subscription-time';
import { createInvitationActivities } from './invitations';
import { createOnboardingActivities } from './onboardings';
import { createOrderActivities } from './orders';
import { createProvisioningActivities } from './provisioning';
import { createResellerRelationshipActivities } from './reseller-relationships';
import { createWebhookActivities } from './webhooks';
import type { WebhookSettings } from '../src/webhooks/settings';
import { createSubscriptionActivities } from './subscriptions';

/** What activities are given: real clients in production and integration tests, fakes in unit tests. */
export type ActivityDeps = {
  db: Db;
  mailer: Mailer;
  keyRing: KeyRing;
  publicBaseUrl: string;
  logger: Logger;
  /** WEBHOOK_* settings; the defaults of PRODUCT.md §7 when not given. */
  webhooks?: WebhookSettings;
  /** The §6 durations a new subscription workflow starts with. */
  subscriptionTiming: SubscriptionTiming;
  /** Test-only: awaited after an activity committed, so a test can stop the worker at that point. */
  testHooks?: ActivityTestHooks;
};

export type ActivityTestHooks = { afterCommit?: (activity: string, key: string) => Promise<void> };

/** Builds every activity around its dependencies; the worker registers the result. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createInvitationActivities(deps),
    ...createOnboardingActivities(deps),
    ...createProvisioningActivities(deps),
    ...createOrderActivities(deps),
    ...createResellerRelationshipActivities(deps),
    ...createWebhookActivities(deps),
    ...createSubscriptionActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
