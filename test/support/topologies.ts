import { inject } from 'vitest';
import { ensureTemporalCli } from '../../src/temporal/cli';
import { startDevServer } from '../../src/temporal/dev-server';
import { startTemporalNode } from '../../src/prod/temporal-cluster';
import { findTemporalServer } from '../../src/temporal/server-binaries';
import { TEMPORAL_SERVER_VERSION } from '../../src/temporal/server-versions';
import { freePort } from './ports';
import { startRealTemporal } from './real-temporal';

export type TopologyKind = 'dev' | 'real';

/** A Temporal deployment the process and resilience tests run against. */
export type TestTopology = {
  kind: TopologyKind;
  /** For test titles. */
  name: string;
  /** The run's shared server of this kind. */
  temporalAddress: string;
  /** Set when this kind cannot run on this machine: the tests say so in their title and skip. */
  skip?: string;
};

/**
 * The two kinds every process and resilience test runs on: `temporal server start-dev` (SQLite, one
 * process) and the production topology's pinned Temporal server on Postgres.
 */
export function topologies(): TestTopology[] {
  const realSkip = inject('realTemporalSkip');
  return [
    { kind: 'dev', name: 'on the Temporal dev server', temporalAddress: inject('temporalAddress') },
    {
      kind: 'real',
      name: `on Temporal ${TEMPORAL_SERVER_VERSION} with Postgres`,
      temporalAddress: inject('realTemporalAddress'),
      skip: realSkip || undefined,
    },
  ];
}

/** Title of a describe block inside `describe.each(topologies())('$name', …)`, saying why it is skipped when it is. */
export function topologyTitle(title: string, topology: TestTopology): string {
  return topology.skip ? `${title} — SKIPPED: ${topology.skip}` : title;
}

/** A Temporal server of its own for one test, which it may stop (all of it, abruptly) and start again on the same data. */
export type OwnTemporal = {
  address: string;
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  close(): Promise<void>;
};

export async function startOwnTemporal(kind: TopologyKind, dbFile: string): Promise<OwnTemporal> {
  if (kind === 'dev') {
    const binary = ensureTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH || undefined });
    const options = { binary, port: await freePort(), namespace: 'default', dbFile };
    let server = await startDevServer(options);
    return {
      address: server.address,
      stopServer: () => server.stop(),
      startServer: async () => {
        server = await startDevServer(options);
      },
      close: () => server.stop(),
    };
  }
  const real = await startRealTemporal({ label: 'own-temporal' });
  let [node] = real.nodes;
  return {
    address: real.address,
    stopServer: () => node!.stop(),
    startServer: async () => {
      node = startTemporalNode(
        real.supervisor,
        findTemporalServer()!,
        real.cluster,
        real.cluster.nodes[0]!,
        `${real.dir}/config`,
      );
    },
    close: () => real.stop(),
  };
}
