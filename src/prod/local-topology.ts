import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { stringify } from 'yaml';
import { ensureTemporalServer, type TemporalServerBinaries } from '../temporal/server-binaries';
import { findPostgresBin, initPostgres, postgresProcess, postgresUrl, type LocalPostgres } from './postgres-server';
import type { Supervised, Supervisor } from './supervisor';
import type { TemporalCluster, TemporalNode } from './temporal-config';
import { startTemporalCluster } from './temporal-cluster';
import { engineNodeArgs } from '../main/node-args';

const projectRoot = path.resolve(import.meta.dirname, '../..');
/** Each Temporal node takes a block of ports (see nodePorts); the next node starts this far up. */
export const NODE_PORT_STRIDE = 20;

export type TemporalTopologySettings = {
  /** Holds the Postgres cluster, the generated configuration and the logs. */
  dir: string;
  postgresPort: number;
  /** The first node (every service, the frontend at this port); more nodes run history and matching. */
  temporalBasePort: number;
  temporalNodes: number;
  namespace: string;
};

export type TemporalTopology = {
  address: string;
  postgres: LocalPostgres;
  cluster: TemporalCluster;
  postgresProcess: Supervised;
  nodes: Supervised[];
};

/** The cluster layout: node 1 runs all four services, nodes 2.. run history and matching on their own ports. */
export function clusterLayout(settings: TemporalTopologySettings): TemporalCluster {
  const nodes: TemporalNode[] = Array.from({ length: settings.temporalNodes }, (_, index) => ({
    name: index === 0 ? 'temporal' : `temporal-${index + 1}`,
    services: index === 0 ? ['frontend', 'history', 'matching', 'worker'] : ['history', 'matching'],
    basePort: settings.temporalBasePort + NODE_PORT_STRIDE * index,
  }));
  return {
    postgresPort: settings.postgresPort,
    databases: { persistence: 'temporal', visibility: 'temporal_visibility' },
    nodes,
    historyShards: 4,
    dynamicConfigFile: path.join(settings.dir, 'config', 'dynamicconfig.yaml'),
  };
}

/** Waits until the local Postgres accepts a query. */
async function postgresReady(pg: LocalPostgres, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const probe = postgres(postgresUrl(pg), { max: 1, connect_timeout: 2, onnotice: () => {} });
    try {
      await probe`select 1`;
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`Postgres on port ${pg.port} did not accept connections: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    } finally {
      await probe.end({ timeout: 1 });
    }
  }
}

/** Creates a database on the local Postgres if it is missing. */
export async function ensureDatabase(pg: LocalPostgres, database: string): Promise<string> {
  const admin = postgres(postgresUrl(pg), { max: 1, onnotice: () => {} });
  try {
    const exists = await admin`select 1 from pg_database where datname = ${database}`;
    if (exists.length === 0) await admin.unsafe(`create database "${database}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  return postgresUrl(pg, database);
}

/**
 * Temporal's half of the topology: a Debian Postgres (created under dir on first start) holding the
 * persistence and visibility databases, the schema tool, then every server node, then the namespace.
 */
export async function startTemporalTopology(
  supervisor: Supervisor,
  binaries: TemporalServerBinaries,
  settings: TemporalTopologySettings,
): Promise<TemporalTopology> {
  const bin = findPostgresBin();
  if (!bin) throw new Error('no Postgres server found under /usr/lib/postgresql (apt-get install postgresql)');
  const pg: LocalPostgres = { bin, dataDir: path.join(settings.dir, 'postgres'), port: settings.postgresPort };
  initPostgres(pg);
  const postgresChild = supervisor.start(postgresProcess(pg, 'postgres'));
  await postgresReady(pg);
  const cluster = clusterLayout(settings);
  const { address, nodes } = await startTemporalCluster(supervisor, binaries, cluster, {
    configDir: path.join(settings.dir, 'config'),
    namespace: settings.namespace,
  });
  return { address, postgres: pg, cluster, postgresProcess: postgresChild, nodes };
}

export type LocalTopologySettings = TemporalTopologySettings & {
  /** The Temporal Web UI's port; undefined runs no UI. */
  uiPort?: number;
  apiPort: number;
  publicBaseUrl: string;
  workers: number;
  taskQueue: string;
  /** The application's database; undefined → an `onboarding` database on the topology's Postgres. */
  databaseUrl?: string;
  operatorApiKey: string;
  encryptionKey: string;
  logLevel: string;
};

export type LocalTopology = {
  temporal: TemporalTopology;
  databaseUrl: string;
  uiUrl?: string;
  ui?: Supervised;
  workers: Supervised[];
  api: Supervised;
};

/** `node --import tsx <script>`: one application process, as its npm script runs it, without npm and tsx's wrapper in between. */
function appProcess(name: string, script: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []) {
  return { name, command: process.execPath, args: [...nodeArgs, '--import', 'tsx', script], cwd: projectRoot, env };
}

function startUi(
  supervisor: Supervisor,
  binaries: TemporalServerBinaries,
  settings: LocalTopologySettings & { uiPort: number },
  address: string,
): Supervised {
  const configDir = path.join(settings.dir, 'config', 'ui');
  mkdirSync(configDir, { recursive: true });
  writeFileSync(
    path.join(configDir, 'prod-local.yaml'),
    stringify({
      temporalGrpcAddress: address,
      host: '127.0.0.1',
      port: settings.uiPort,
      enableUi: true,
      defaultNamespace: settings.namespace,
      // Payloads are encrypted: the UI asks the API's codec endpoint to decode them (see README, codec).
      codec: { endpoint: `${settings.publicBaseUrl}/codec`, passAccessToken: false, includeCredentials: false },
      cors: { allowOrigins: [settings.publicBaseUrl], cookieInsecure: true },
      disableNewsFetch: true,
    }),
  );
  return supervisor.start({
    name: 'temporal-ui',
    command: binaries.ui,
    args: ['--root', path.join(settings.dir, 'config'), '--config', 'ui', '--env', 'prod-local', 'start'],
  });
}

/**
 * The whole production topology on one machine, in dependency order: Temporal's Postgres, schema and
 * nodes, the UI, the application database and its migrations (one-shot), the workers, then the API.
 */
export async function startLocalTopology(
  supervisor: Supervisor,
  settings: LocalTopologySettings,
  log: (line: string) => void,
): Promise<LocalTopology> {
  const binaries = ensureTemporalServer({ log });
  const temporal = await startTemporalTopology(supervisor, binaries, settings);
  const ui = settings.uiPort
    ? startUi(supervisor, binaries, { ...settings, uiPort: settings.uiPort }, temporal.address)
    : undefined;
  const databaseUrl = settings.databaseUrl ?? (await ensureDatabase(temporal.postgres, 'onboarding'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: settings.namespace,
    TEMPORAL_TASK_QUEUE: settings.taskQueue,
    OPERATOR_API_KEY: settings.operatorApiKey,
    ENCRYPTION_KEY: settings.encryptionKey,
    PORT: String(settings.apiPort),
    PUBLIC_BASE_URL: settings.publicBaseUrl,
    UI_ORIGIN: settings.uiPort ? `http://localhost:${settings.uiPort}` : undefined,
    LOG_LEVEL: settings.logLevel,
  };
  await supervisor.run(appProcess('migrate', 'src/db/migrate-cli.ts', env));
  const workers = Array.from({ length: settings.workers }, (_, index) =>
    supervisor.start(appProcess(`worker-${index + 1}`, 'src/main/worker.ts', env, engineNodeArgs)),
  );
  const api = supervisor.start(appProcess('api', 'src/main/api.ts', env, engineNodeArgs));
  return {
    temporal,
    databaseUrl,
    uiUrl: settings.uiPort ? `http://localhost:${settings.uiPort}` : undefined,
    ui,
    workers,
    api,
  };
}
