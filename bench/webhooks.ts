import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, requireSecrets } from '../src/config';
import { openDatabase } from '../src/db/client';
import { createLogger } from '../src/logger';
import { startEngine } from '../src/main/engine';
import { ensureTemporalCli } from '../src/temporal/cli';
import { startDevServer } from '../src/temporal/dev-server';

/**
 * `npm run bench:webhooks`: webhook delivery latency, from the event's commit (its `createdAt`, the
 * transaction's time in Postgres) to the moment a local receiver got the signed POST. Events are
 * `webhook.test` events written through the API at BENCH_RATE per second; the relay polls every
 * WEBHOOK_RELAY_INTERVAL (default 250ms). Prints p50/p95/p99; asserts nothing.
 *   BENCH_COUNT (default 200), BENCH_RATE (default 20), DATABASE_URL (else PGlite).
 */
const count = Number(process.env.BENCH_COUNT ?? 200);
const rate = Number(process.env.BENCH_RATE ?? 20);

async function main() {
  const latencies: number[] = [];
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const { timestamp } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { timestamp: string };
      latencies.push(Date.now() - Date.parse(timestamp));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));

  const binary = ensureTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH || undefined });
  const temporalPort = 19000 + Math.floor(Math.random() * 2000);
  const server = await startDevServer({ binary, port: temporalPort, namespace: 'default' });
  const database = await openDatabase({
    databaseUrl: process.env.DATABASE_URL || undefined,
    dataDir: mkdtempSync(path.join(os.tmpdir(), 'poe-bench-')),
    maxConnections: 20,
  });
  await database.migrate();
  const config = requireSecrets(
    loadConfig({
      PORT: String(temporalPort + 1),
      OPERATOR_API_KEY: 'bench-operator-key-0123456789abcdef',
      ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_TASK_QUEUE: 'bench-webhooks',
      LOG_LEVEL: 'warn',
      API_RATE_LIMIT_PER_MINUTE: '1000000',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      ...(process.env.WEBHOOK_RELAY_INTERVAL ? { WEBHOOK_RELAY_INTERVAL: process.env.WEBHOOK_RELAY_INTERVAL } : {}),
    }),
  );
  const engine = await startEngine({
    config,
    runApi: true,
    runWorker: true,
    database,
    logger: createLogger('warn'),
    listenPort: temporalPort + 1,
  });
  const call = async (pathname: string, key: string, body?: unknown) => {
    const response = await fetch(engine.url! + pathname, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await response.json()) as any;
  };
  const { apiKey } = await call('/v1/partners', config.operatorApiKey, {
    kind: 'provider',
    name: 'bench',
    email: 'bench@example.test',
    partnerId: '1234567',
    country: 'ES',
  });
  const { endpoint } = await call('/v1/webhook-endpoints', apiKey, {
    url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
  });

  for (let i = 0; i < count; i++) {
    await call(`/v1/webhook-endpoints/${endpoint.id}/test`, apiKey);
    await new Promise((resolve) => setTimeout(resolve, 1000 / rate));
  }
  while (latencies.length < count) await new Promise((resolve) => setTimeout(resolve, 50));

  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  console.log(
    JSON.stringify({
      database: database.kind,
      count,
      rate,
      relayIntervalMs: config.webhooks.relayIntervalMs,
      p50: at(0.5),
      p95: at(0.95),
      p99: at(0.99),
      max: at(1),
    }),
  );
  await engine.stop();
  await database.close();
  await server.stop();
  receiver.close();
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
