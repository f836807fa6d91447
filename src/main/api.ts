import { ConfigError, loadConfig, requireSecrets } from '../config';
import { createLogger } from '../logger';
import { startEngine } from './engine';
import { onShutdown } from './shutdown';

/** `npm run api`: the HTTP API alone, against TEMPORAL_ADDRESS and DATABASE_URL. */
try {
  const config = requireSecrets(loadConfig());
  if (!config.databaseUrl) throw new ConfigError('DATABASE_URL is required for npm run api (npm start is the all-in-one dev mode)');
  const logger = createLogger(config.logLevel);
  const engine = await startEngine({ config, runApi: true, runWorker: false, logger });
  logger.info({ url: config.publicBaseUrl }, 'API listening');
  onShutdown(logger, () => engine.stop());
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
