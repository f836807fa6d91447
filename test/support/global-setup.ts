import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/client';
import { seedCatalog } from '../../src/db/seed';
import { ensureTemporalCli } from '../../src/temporal/cli';
import { startDevServer } from '../../src/temporal/dev-server';
import { bundleWorkflows } from '../../src/temporal/worker';
import { freePort } from './ports';
import { realTemporalUnavailable, startRealTemporal } from './real-temporal';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    /** The run's Temporal server of the production kind (test/support/real-temporal.ts), '' when it cannot run here. */
    realTemporalAddress: string;
    /** Why realTemporalAddress is '' (tests skip with this reason in their title). */
    realTemporalSkip: string;
    databaseUrl: string;
    workflowBundlePath: string;
  }
}

/**
 * Starts what every test file shares: a real Temporal dev server (headless, in memory), the pinned
 * Temporal server on its own Postgres (the production topology's kind; see test/support/topologies.ts), a fresh
 * database on the Postgres server at DATABASE_URL (created here, dropped afterwards), and the
 * workflow bundle. Without DATABASE_URL each test file opens its own embedded PGlite instead.
 */
export default async function setup(project: TestProject) {
  const binary = ensureTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH || undefined });
  const server = await startDevServer({ binary, port: await freePort(), namespace: 'default' });
  const realTemporalSkip = realTemporalUnavailable();
  const realTemporal = realTemporalSkip ? undefined : await startRealTemporal({ label: 'test-temporal' });

  const scratch = mkdtempSync(path.join(os.tmpdir(), 'poe-test-'));
  const bundle = await bundleWorkflows();
  const workflowBundlePath = path.join(scratch, 'workflow-bundle.js');
  writeFileSync(workflowBundlePath, (bundle as { code: string }).code);

  let databaseUrl = '';
  let dropDatabase = async () => {};
  if (process.env.DATABASE_URL) {
    const name = `poe_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
    const admin = await openDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir: scratch, maxConnections: 1 });
    await admin.db.execute(sql.raw(`create database ${name}`));
    await admin.close();
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    const test = await openDatabase({ databaseUrl, dataDir: scratch, maxConnections: 1 });
    await test.migrate();
    await seedCatalog(test.db);
    await test.close();
    dropDatabase = async () => {
      const cleanup = await openDatabase({
        databaseUrl: process.env.DATABASE_URL!,
        dataDir: scratch,
        maxConnections: 1,
      });
      await cleanup.db.execute(sql.raw(`drop database if exists ${name} with (force)`)).catch(() => {});
      await cleanup.close();
    };
  }

  project.provide('temporalAddress', server.address);
  project.provide('realTemporalAddress', realTemporal?.address ?? '');
  project.provide('realTemporalSkip', realTemporalSkip ?? '');
  project.provide('databaseUrl', databaseUrl);
  project.provide('workflowBundlePath', workflowBundlePath);

  return async () => {
    await server.stop();
    await realTemporal?.stop();
    if (!process.env.KEEP_TEST_DATABASE) await dropDatabase();
    rmSync(scratch, { recursive: true, force: true });
  };
}
