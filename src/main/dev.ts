import path from 'node:path';
import { ConfigError, loadConfig, requireSecrets } from '../config';
import { openDatabase } from '../db/client';
import { seedCatalog, seedDemoPartners } from '../db/seed';
import { createProcessLogger } from '../logger';
import { ensureTemporalCli } from '../temporal/cli';
import { startDevServer, type DevServer } from '../temporal/dev-server';
import { loadOrCreateDevSecrets } from './dev-secrets';
import { startEngine } from './engine';

/**
 * `npm start`: the whole system on one machine with nothing set — a persisted Temporal dev server
 * with its UI, embedded Postgres (PGlite) unless DATABASE_URL is set, migrations, the catalog, demo
 * partners, the worker and the API. Ctrl-C stops everything; the next start resumes the same data.
 */
async function main() {
  // Dev mode sends webhooks to local receivers (http, 127.0.0.1) unless told otherwise.
  process.env.WEBHOOK_ALLOW_PRIVATE ??= 'true';
  const parsed = loadConfig();
  const secrets = loadOrCreateDevSecrets(parsed.dataDir);
  const config = requireSecrets({
    ...parsed,
    operatorApiKey: parsed.operatorApiKey ?? secrets.operatorApiKey,
    encryption: { ...parsed.encryption, key: parsed.encryption.key ?? Buffer.from(secrets.encryptionKey, 'base64') },
  });
  const logger = createProcessLogger(config);

  let devServer: DevServer | undefined;
  if (!config.temporal.address) {
    const binary = ensureTemporalCli({ cliPath: config.temporal.cliPath, log: (line) => logger.info(line) });
    devServer = await startDevServer({
      binary,
      port: config.temporal.devPort,
      uiPort: config.temporal.uiPort,
      namespace: config.temporal.namespace,
      dbFile: path.resolve(config.dataDir, 'temporal.sqlite'),
      codecEndpoint: `${config.publicBaseUrl}/codec`,
    });
    config.temporal.address = devServer.address;
  }

  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await database.migrate();
  const offers = await seedCatalog(database.db);
  await seedDemoPartners(database.db, secrets);

  const engine = await startEngine({ config, runApi: true, runWorker: true, devMode: true, database, logger });

  const banner = [
    '',
    'Partner onboarding engine is running (dev mode)',
    `  API             ${config.publicBaseUrl}`,
    `  API docs        ${config.publicBaseUrl}/docs`,
    `  Temporal UI     ${devServer?.uiUrl ?? '(external Temporal at ' + config.temporal.address + ')'}`,
    `  Outbox (mail)   ${config.mail.smtpUrl ? 'SMTP: ' + config.mail.smtpUrl.replace(/\/\/[^@]*@/, '//***@') : config.publicBaseUrl + '/dev/outbox'}`,
    `  Database        ${database.kind === 'pglite' ? 'embedded PGlite in ' + path.resolve(config.dataDir, 'pglite') : 'DATABASE_URL'} (${offers} offers)`,
    '',
    `  Operator key            ${config.operatorApiKey}`,
    `  Demo provider key       ${secrets.providerApiKey}   (Contoso Distribution, partnerId 1000001, ES)`,
    `  Demo reseller key       ${secrets.resellerApiKey}   (Fabrikam IT Services, partnerId 2000001, ES, sales@fabrikam-it.example)`,
    '',
    '  Ctrl-C to stop.',
    '',
  ];
  console.log(banner.join('\n'));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    await engine.stop();
    await database.close();
    await devServer?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
