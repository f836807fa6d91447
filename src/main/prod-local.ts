import path from 'node:path';
import { ConfigError } from '../config';
import { loadLocalSettings } from '../prod/local-config';
import { startLocalTopology } from '../prod/local-topology';
import { Supervisor } from '../prod/supervisor';
import { waitForPollers } from '../prod/temporal-cluster';
import { loadOrCreateDevSecrets } from './dev-secrets';

/**
 * `npm run prod:local`: the production topology on one machine, each part a supervised child process
 * with its own log under DATA_DIR/prod/logs — Temporal's Postgres, the Temporal server nodes, the
 * Temporal UI, migrations, the workers and the API. A child that dies is restarted; Ctrl-C (SIGINT)
 * or SIGTERM stops them all in reverse order, a second signal kills them at once.
 */
const log = (line: string) => console.log(`[prod:local] ${line}`);
/** npm and tsx relay the terminal's Ctrl-C to us as well: signals this close to the first are the same Ctrl-C. */
const SAME_SIGNAL_MS = 2_000;

async function main() {
  const settings = loadLocalSettings(process.env, (dir) => loadOrCreateDevSecrets(dir));
  const supervisor = new Supervisor({ logDir: path.join(settings.dir, 'logs'), log });
  let stopping = false;
  let firstSignalAt = 0;
  const stop = async (signal: string) => {
    if (stopping) {
      if (Date.now() - firstSignalAt < SAME_SIGNAL_MS) return;
      supervisor.killAll();
      process.exit(1);
    }
    stopping = true;
    firstSignalAt = Date.now();
    log(`${signal}: stopping every process (a second signal kills them)`);
    await supervisor.stopAll();
    log('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  try {
    const topology = await startLocalTopology(supervisor, settings, log);
    await waitForReady(`http://127.0.0.1:${settings.apiPort}/readyz`);
    await waitForPollers(topology.temporal.address, settings.namespace, settings.taskQueue, settings.workers);
    const banner = [
      '',
      'Partner onboarding engine is running (production topology, one machine)',
      `  API              ${settings.publicBaseUrl}   (docs: /docs)`,
      `  Temporal         ${topology.temporal.address}   (${topology.temporal.nodes.length} server processes, Postgres :${settings.postgresPort})`,
      `  Temporal UI      ${topology.uiUrl ?? '(none)'}`,
      `  Database         ${settings.databaseUrl ? 'DATABASE_URL' : topology.databaseUrl}`,
      `  Processes        ${[topology.temporal.postgresProcess, ...topology.temporal.nodes, ...(topology.ui ? [topology.ui] : []), ...topology.workers, topology.api].map((child) => `${child.name}=${child.pid()}`).join(' ')}`,
      `  Logs             ${path.join(settings.dir, 'logs')}`,
      `  Operator key     ${settings.operatorApiKey}`,
      '',
      '  Ctrl-C to stop.',
      '',
    ];
    console.log(banner.join('\n'));
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : error);
    if (!stopping) {
      stopping = true;
      await supervisor.stopAll();
    }
    process.exit(1);
  }
}

async function waitForReady(url: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await fetch(url, { signal: AbortSignal.timeout(5_000) }).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`the API did not become ready at ${url} (last status ${status})`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

void main();
