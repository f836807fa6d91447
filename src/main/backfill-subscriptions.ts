import { ConfigError, loadConfig, requireSecrets } from '../config';
import { openDatabase } from '../db/client';
import { createKeyRing } from '../security/cipher';
import { backfillSubscriptionWorkflows } from '../services/subscription-backfill';
import { connectClient } from '../temporal/connection';
import { createDataConverter } from '../temporal/data-converter';

/**
 * `npm run subscriptions:backfill`, the step after `npm run db:migrate` when upgrading: starts the
 * workflow of every subscription created before subscriptions had one. Safe to run again.
 */
try {
  const config = requireSecrets(loadConfig());
  if (!config.temporal.address)
    throw new ConfigError('TEMPORAL_ADDRESS is required for npm run subscriptions:backfill');
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, maxConnections: 1 });
  const keyRing = createKeyRing(
    { keyId: config.encryption.keyId, key: config.encryption.key },
    config.encryption.previousKeys,
  );
  const temporal = await connectClient(
    { ...config.temporal, address: config.temporal.address },
    createDataConverter(keyRing),
  );
  const result = await backfillSubscriptionWorkflows({
    db: database.db,
    temporal,
    taskQueue: config.temporal.taskQueue,
  });
  await temporal.connection.close();
  await database.close();
  console.log(`subscription workflows: ${result.started} started, ${result.alreadyRunning} already running`);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
