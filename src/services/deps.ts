import type { Client } from '@temporalio/client';
import type { RuntimeConfig } from '../config';
import type { Db } from '../db/client';
import type { Logger } from '../logger';
import type { KeyRing } from '../security/cipher';

/**
 * What the business operations in src/services need: the database, the Temporal client, the
 * configuration, the key ring and a logger. No HTTP here: the API's deps (src/api/context.ts) extend
 * this type, and anything else that runs an operation (a script, a test) can build it alone.
 */
export type ServiceDeps = {
  config: RuntimeConfig;
  db: Db;
  temporal: Client;
  keyRing: KeyRing;
  logger: Logger;
};
