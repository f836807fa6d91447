import { ConfigError, loadConfig, requireSecrets } from '../config';
import { createProcessLogger } from '../logger';
import { startEngine } from './engine';
import { onShutdown } from './shutdown';

/** `npm run api`: the HTTP API alone, against TEMPORAL_ADDRESS and DATABASE_URL. */
try {
  const config = requireSecrets(loadConfig());
  if (!config.databaseUrl)
    throw new ConfigError('DATABASE_URL is required for npm run api (npm start is the all-in-one dev mode)');
  const logger = createProcessLogger(config);
  const engine = await startEngine({ config, runApi: true, runWorker: false, logger });
  logger.info({ url: config.publicBaseUrl }, 'API listening');
  onShutdown(logger, () => engine.stop());
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
