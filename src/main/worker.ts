import { ConfigError, loadConfig, requireSecrets } from '../config';
import { createProcessLogger } from '../logger';
import { connectClient, ensureSearchAttributes } from '../temporal/connection';
import { startEngine } from './engine';
import { onShutdown } from './shutdown';

/** `npm run worker`: one worker process; run as many as the load needs. */
try {
  const config = requireSecrets(loadConfig());
  if (!config.databaseUrl)
    throw new ConfigError('DATABASE_URL is required for npm run worker (npm start is the all-in-one dev mode)');
  if (!config.temporal.address) throw new ConfigError('TEMPORAL_ADDRESS is required for npm run worker');
  const logger = createProcessLogger(config);
  const client = await connectClient({ ...config.temporal, address: config.temporal.address });
  await ensureSearchAttributes(client, config.temporal.namespace).catch((error) =>
    logger.warn(
      { err: error },
      'could not register search attributes; register ProviderId, ResellerId, CustomerDomain, ProcessStatus (Keyword) on the namespace',
    ),
  );
  await client.connection.close();
  const engine = await startEngine({ config, runApi: false, runWorker: true, logger });
  logger.info({ taskQueue: config.temporal.taskQueue }, 'worker running');
  onShutdown(logger, () => engine.stop());
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
