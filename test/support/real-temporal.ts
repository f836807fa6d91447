import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findPostgresBin } from '../../src/prod/postgres-server';
import { NODE_PORT_STRIDE, startTemporalTopology, type TemporalTopology } from '../../src/prod/local-topology';
import { Supervisor } from '../../src/prod/supervisor';
import { findTemporalServer } from '../../src/temporal/server-binaries';
import { freePortBlock } from './ports';

/**
 * Why the real-server tests cannot run on this machine, or undefined when they can: the pinned
 * server must be built (`npm run temporal:server:install`, done by .ci/run) and a Debian Postgres
 * server installed. TEST_REAL_TEMPORAL=0 turns them off on purpose.
 */
export function realTemporalUnavailable(): string | undefined {
  if (process.env.TEST_REAL_TEMPORAL === '0') return 'TEST_REAL_TEMPORAL=0';
  if (!findTemporalServer()) return 'the Temporal server is not built (npm run temporal:server:install)';
  if (!findPostgresBin()) return 'no Postgres server under /usr/lib/postgresql';
  return undefined;
}

export type RealTemporal = TemporalTopology & { supervisor: Supervisor; dir: string; stop(): Promise<void> };

/**
 * A Temporal cluster of the production kind for tests: its own Postgres (under a temporary directory,
 * on a free port) and `nodes` server processes (the first with every service, the others history
 * and matching), supervised and logged to <dir>/logs. stop() stops it all and removes the directory.
 */
export async function startRealTemporal(options: { nodes?: number; label?: string } = {}): Promise<RealTemporal> {
  const binaries = findTemporalServer();
  if (!binaries) throw new Error(realTemporalUnavailable());
  const nodes = options.nodes ?? 1;
  const dir = mkdtempSync(path.join(os.tmpdir(), `poe-${options.label ?? 'temporal'}-`));
  const supervisor = new Supervisor({
    logDir: path.join(dir, 'logs'),
    log: (line) => console.info(`[${options.label ?? 'temporal'}] ${line}`),
    stopTimeoutMs: 15_000,
  });
  const basePort = await freePortBlock(NODE_PORT_STRIDE * nodes + 1);
  try {
    const topology = await startTemporalTopology(supervisor, binaries, {
      dir,
      postgresPort: basePort + NODE_PORT_STRIDE * nodes,
      temporalBasePort: basePort,
      temporalNodes: nodes,
      namespace: 'default',
    });
    return {
      ...topology,
      supervisor,
      dir,
      async stop() {
        await supervisor.stopAll();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await supervisor.stopAll();
    throw new Error(
      `the real Temporal topology did not start (logs in ${path.join(dir, 'logs')}): ${(error as Error).message}`,
    );
  }
}
