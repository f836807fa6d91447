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
