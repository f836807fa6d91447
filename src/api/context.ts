import type { Client } from '@temporalio/client';
import type { RuntimeConfig } from '../config';
import type { Db } from '../db/client';
import type { Logger } from '../logger';
import type { Mailer } from '../mail/mailer';
import type { Metrics } from '../metrics';
import type { KeyRing } from '../security/cipher';

/** Everything a route needs, built once by the process that serves the API. */
export type ApiDeps = {
  config: RuntimeConfig;
  db: Db;
  temporal: Client;
  mailer: Mailer;
  keyRing: KeyRing;
  logger: Logger;
  metrics: Metrics;
  /** Dev mode opens /dev/outbox without a key. */
  devMode?: boolean;
};
