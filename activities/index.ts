import type { Db } from '../src/db/client';
import type { Logger } from '../src/logger';
import type { Mailer } from '../src/mail/mailer';
import type { KeyRing } from '../src/security/cipher';
import { createInvitationActivities } from './invitations';

/** What activities are given: real clients in production and integration tests, fakes in unit tests. */
export type ActivityDeps = {
  db: Db;
  mailer: Mailer;
  keyRing: KeyRing;
  publicBaseUrl: string;
  logger: Logger;
};

/** Builds every activity around its dependencies; the worker registers the result. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createInvitationActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
