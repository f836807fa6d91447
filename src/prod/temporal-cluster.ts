import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import postgres from 'postgres';
import { ensureSearchAttributes, retryUntil as retry } from '../temporal/connection';
import type { TemporalServerBinaries } from '../temporal/server-binaries';
import { SCHEMA_NAMES, SQL_PLUGIN } from '../temporal/server-versions';
import { postgresUrl } from './postgres-server';
import type { Supervised, Supervisor } from './supervisor';
import {
  frontendAddress,
  renderDynamicConfig,
  renderNodeConfig,
  type TemporalCluster,
  type TemporalNode,
} from './temporal-config';

const RETENTION_MS = 3 * 24 * 3600 * 1000;

/** Runs `sql` (temporal-sql-tool) against one database of the cluster's Postgres, logged to temporal-schema.log. */
function sqlTool(
  supervisor: Supervisor,
  binary: string,
  cluster: TemporalCluster,
  database: string,
  command: string[],
) {
  return supervisor.run({
    name: 'temporal-schema',
    command: binary,
    args: [
      '--plugin',
      SQL_PLUGIN,
      '--endpoint',
      '127.0.0.1',
      '--port',
      String(cluster.postgresPort),
      '--user',
      'postgres',
      '--database',
      database,
      ...command,
    ],
  });
}

/**
 * Creates Temporal's persistence and (advanced, SQL) visibility databases and brings their schemas
 * to the versions embedded in the pinned SQL tool. Idempotent: an existing database is only updated.
 */
export async function setupTemporalSchema(
  supervisor: Supervisor,
  binaries: TemporalServerBinaries,
  cluster: TemporalCluster,
): Promise<void> {
  const admin = postgres(postgresUrl({ port: cluster.postgresPort }), { max: 1, onnotice: () => {} });
  try {
    for (const [database, schemaName] of [
      [cluster.databases.persistence, SCHEMA_NAMES.persistence],
      [cluster.databases.visibility, SCHEMA_NAMES.visibility],
    ] as const) {
      const exists = await admin`select 1 from pg_database where datname = ${database}`;
      if (exists.length === 0) await sqlTool(supervisor, binaries.sqlTool, cluster, database, ['create-database']);
      const versioned = postgres(postgresUrl({ port: cluster.postgresPort }, database), { max: 1, onnotice: () => {} });
      const [row] = await versioned`select to_regclass('public.schema_version') is not null as present`.finally(() =>
        versioned.end(),
      );
      if (!row?.present) await sqlTool(supervisor, binaries.sqlTool, cluster, database, ['setup-schema', '-v', '0.0']);
      await sqlTool(supervisor, binaries.sqlTool, cluster, database, ['update-schema', '--schema-name', schemaName]);
    }
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/** Writes the node's configuration file under configDir and starts it supervised. */
export function startTemporalNode(
  supervisor: Supervisor,
  binaries: TemporalServerBinaries,
  cluster: TemporalCluster,
  node: TemporalNode,
  configDir: string,
): Supervised {
  mkdirSync(configDir, { recursive: true });
  writeFileSync(cluster.dynamicConfigFile, renderDynamicConfig());
  const configFile = path.join(configDir, `${node.name}.yaml`);
  writeFileSync(configFile, renderNodeConfig(cluster, node));
  const services = node.services.flatMap((service) => ['--service', service]);
  return supervisor.start({
    name: node.name,
    command: binaries.server,
    args: ['--config-file', configFile, '--allow-no-auth', 'start', ...services],
  });
}

/**
 * Waits for the frontend to serve requests, registers the namespace (3-day retention) if missing,
 * and our search attributes on it — what `temporalio/auto-setup` used to do on start.
 */
export async function ensureNamespace(address: string, namespace: string, timeoutMs = 120_000): Promise<void> {
  const connection = await retry(`Temporal at ${address} did not answer`, timeoutMs, () =>
    Connection.connect({ address, connectTimeout: 2_000 }),
  );
  try {
    await retry(`could not register namespace ${namespace}`, timeoutMs, async () => {
      try {
        await connection.workflowService.registerNamespace({
          namespace,
          workflowExecutionRetentionPeriod: msToTs(RETENTION_MS),
        });
      } catch (error) {
        if ((error as { code?: number }).code !== 6 /* ALREADY_EXISTS */) throw error;
      }
    });
    await retry(`could not register the search attributes on ${namespace}`, timeoutMs, () =>
      ensureSearchAttributes(new Client({ connection, namespace }), namespace),
    );
  } finally {
    await connection.close();
  }
}

/**
 * Schema, the first node, the namespace, then the other nodes: a cluster ready for workers. The first
 * node alone initialises the cluster metadata (nodes started together on a fresh database race for it).
 */
export async function startTemporalCluster(
  supervisor: Supervisor,
  binaries: TemporalServerBinaries,
  cluster: TemporalCluster,
  options: { configDir: string; namespace: string },
): Promise<{ address: string; nodes: Supervised[] }> {
  await setupTemporalSchema(supervisor, binaries, cluster);
  const [first, ...others] = cluster.nodes;
  const nodes = [startTemporalNode(supervisor, binaries, cluster, first!, options.configDir)];
  const address = frontendAddress(cluster);
  await ensureNamespace(address, options.namespace);
  for (const node of others) nodes.push(startTemporalNode(supervisor, binaries, cluster, node, options.configDir));
  return { address, nodes };
}

/** Waits until `count` distinct workers poll the task queue for workflow tasks (a worker process is up only then). */
export async function waitForPollers(
  address: string,
  namespace: string,
  taskQueue: string,
  count: number,
  timeoutMs = 120_000,
): Promise<void> {
  const connection = await retry(`Temporal at ${address} did not answer`, timeoutMs, () =>
    Connection.connect({ address, connectTimeout: 2_000 }),
  );
  try {
    await retry(`fewer than ${count} workers poll ${taskQueue}`, timeoutMs, async () => {
      const described = await connection.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name: taskQueue },
        taskQueueType: 1 /* WORKFLOW */,
      });
      const pollers = new Set((described.pollers ?? []).map((poller) => poller.identity)).size;
      if (pollers < count) throw new Error(`${pollers} polling`);
    });
  } finally {
    await connection.close();
  }
}
