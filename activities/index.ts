import type { Db } from '../src/db/client';
import type { Logger } from '../src/logger';
import type { Mailer } from '../src/mail/mailer';
import type { KeyRing } from '../src/security/cipher';
import { createInvitationActivities } from './invitations';
import { createOnboardingActivities } from './onboardings';
import { createOrderActivities } from './orders';
import { createProvisioningActivities } from './provisioning';
import { createResellerRelationshipActivities } from './reseller-relationships';
import { createWebhookActivities } from './webhooks';
import type { WebhookSettings } from '../src/webhooks/settings';

/** What activities are given: real clients in production and integration tests, fakes in unit tests. */
export type ActivityDeps = {
  db: Db;
  mailer: Mailer;
  keyRing: KeyRing;
  publicBaseUrl: string;
  logger: Logger;
  /** WEBHOOK_* settings; the defaults of PRODUCT.md §7 when not given. */
  webhooks?: WebhookSettings;
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
  };
}

export type Activities = ReturnType<typeof createActivities>;
