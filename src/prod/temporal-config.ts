import { stringify } from 'yaml';
import { SQL_PLUGIN } from '../temporal/server-versions';

export type TemporalService = 'frontend' | 'history' | 'matching' | 'worker';
const SERVICE_ORDER: TemporalService[] = ['frontend', 'history', 'matching', 'worker'];

/** One `temporal server start` process: the services it runs and the block of ports they use. */
export type TemporalNode = { name: string; services: TemporalService[]; basePort: number };

/** A Temporal cluster on one Postgres server: its two databases and its nodes (the first one runs the frontend). */
export type TemporalCluster = {
  postgresPort: number;
  databases: { persistence: string; visibility: string };
  nodes: TemporalNode[];
  /** History shards: fixed for the life of the cluster (4 is plenty for one machine; production clusters use 512+). */
  historyShards: number;
  dynamicConfigFile: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
};

/**
 * A node's ports: service gRPC at base+0..3 (frontend, history, matching, worker), the frontend's
 * HTTP API at base+4, membership (ringpop) at base+10..13. Each node needs its own block.
 */
export function nodePorts(basePort: number) {
  const at = (service: TemporalService) => SERVICE_ORDER.indexOf(service);
  return {
    grpc: (service: TemporalService) => basePort + at(service),
    membership: (service: TemporalService) => basePort + 10 + at(service),
    http: basePort + 4,
    all: [0, 1, 2, 3, 4, 10, 11, 12, 13].map((offset) => basePort + offset),
  };
}

export function frontendAddress(cluster: TemporalCluster): string {
  const node = cluster.nodes.find((candidate) => candidate.services.includes('frontend'));
  if (!node) throw new Error('the cluster has no frontend node');
  return `127.0.0.1:${nodePorts(node.basePort).grpc('frontend')}`;
}

function datastore(cluster: TemporalCluster, databaseName: string, maxConns: number) {
  return {
    sql: {
      pluginName: SQL_PLUGIN,
      databaseName,
      connectAddr: `127.0.0.1:${cluster.postgresPort}`,
      connectProtocol: 'tcp',
      user: 'postgres',
      password: '',
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  };
}

/**
 * The server configuration of one node (`temporal server --config-file`). Every node shares the
 * databases; membership — which node owns which history shard and task queue partition — goes
 * through the cluster_membership table, so a node joins by starting with the same persistence.
 */
export function renderNodeConfig(cluster: TemporalCluster, node: TemporalNode): string {
  const ports = nodePorts(node.basePort);
  const services = Object.fromEntries(
    node.services.map((service) => [
      service,
      {
        rpc: {
          grpcPort: ports.grpc(service),
          membershipPort: ports.membership(service),
          bindOnIP: '127.0.0.1',
          ...(service === 'frontend' ? { httpPort: ports.http } : {}),
        },
      },
    ]),
  );
  const frontend = frontendAddress(cluster);
  const config = {
    log: { stdout: true, level: cluster.logLevel ?? 'warn' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: cluster.historyShards,
      datastores: {
        default: datastore(cluster, cluster.databases.persistence, 20),
        visibility: datastore(cluster, cluster.databases.visibility, 5),
      },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services,
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: frontend },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    publicClient: { hostPort: frontend },
    dynamicConfigClient: { filepath: cluster.dynamicConfigFile, pollInterval: '10s' },
  };
  return stringify(config);
}

/** Dynamic configuration shared by the nodes: ids as long as the dev server allows; search attributes visible at once. */
export function renderDynamicConfig(): string {
  return stringify({
    'limit.maxIDLength': [{ value: 255, constraints: {} }],
    // New search attributes are used right after the worker registers them (else up to a minute later).
    'system.forceSearchAttributesCacheRefreshOnRead': [{ value: true, constraints: {} }],
  });
}
