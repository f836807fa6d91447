import { readFileSync } from 'node:fs';
import { Client, Connection, type ClientInterceptors } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import { allSearchAttributes } from '../../workflows/search-attributes';
import type { Config } from '../config';

export type TemporalTarget = Pick<Config['temporal'], 'apiKey' | 'tlsCert' | 'tlsKey' | 'namespace'> & {
  address: string;
};

/** TEMPORAL_TLS_CERT/KEY may hold PEM text or a path to a PEM file. */
function pem(value: string): Buffer {
  return Buffer.from(value.includes('-----BEGIN') ? value : readFileSync(value, 'utf8'));
}

function connectionOptions(target: TemporalTarget) {
  const mtls =
    target.tlsCert && target.tlsKey
      ? { clientCertPair: { crt: pem(target.tlsCert), key: pem(target.tlsKey) } }
      : undefined;
  return {
    address: target.address,
    // Temporal Cloud takes an API key over TLS; mTLS clusters take a client certificate.
    tls: mtls ?? (target.apiKey ? true : undefined),
    apiKey: target.apiKey,
    metadata: target.apiKey ? { 'temporal-namespace': target.namespace } : undefined,
  };
}

export async function connectClient(
  target: TemporalTarget,
  dataConverter?: DataConverter,
  interceptors?: ClientInterceptors,
): Promise<Client> {
  const connection = await Connection.connect(connectionOptions(target));
  return new Client({ connection, namespace: target.namespace, dataConverter, interceptors });
}

export async function connectWorkerConnection(target: TemporalTarget): Promise<NativeConnection> {
  return NativeConnection.connect(connectionOptions(target));
}

/**
 * Registers our search attributes on a real cluster (the dev server gets them as flags). Already
 * registered ones are left alone; Temporal Cloud namespaces are configured outside the SDK.
 */
export async function ensureSearchAttributes(client: Client, namespace: string): Promise<void> {
  const existing = await client.connection.operatorService.listSearchAttributes({ namespace });
  const missing = allSearchAttributes.filter((key) => !(key.name in (existing.customAttributes ?? {})));
  if (missing.length === 0) return;
  await client.connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((key) => [key.name, 2 /* INDEXED_VALUE_TYPE_KEYWORD */])),
  });
}

/** Runs `attempt` every half second until it succeeds; past `timeoutMs` its last error is thrown, prefixed by `what`. */
export async function retryUntil<T>(what: string, timeoutMs: number, attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/**
 * Waits until the frontend at `address` serves the namespace. A listening port is not enough: a
 * server still starting accepts connections before it answers gRPC, and a client's connect gives up
 * after 10 s — too soon on a loaded machine.
 */
export async function waitForNamespace(address: string, namespace: string, timeoutMs: number): Promise<void> {
  await retryUntil(`Temporal at ${address} did not serve namespace ${namespace}`, timeoutMs, async () => {
    const connection = await Connection.connect({ address, connectTimeout: 2_000 });
    try {
      // A frontend still starting can take the call and never answer it: each attempt has its own deadline.
      await connection.withDeadline(Date.now() + 5_000, () =>
        connection.workflowService.describeNamespace({ namespace }),
      );
    } finally {
      await connection.close();
    }
  });
}
