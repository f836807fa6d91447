import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadConfig, requireSecrets } from '../src/config';
import { openDatabase } from '../src/db/client';
import { seedCatalog } from '../src/db/seed';
import { createLogger } from '../src/logger';
import { startEngine } from '../src/main/engine';
import { ensureTemporalCli } from '../src/temporal/cli';
import { startDevServer } from '../src/temporal/dev-server';
import { installTemporalRuntime } from '../src/temporal/logging';
import { bareAcceptUpdate, bareInvitationWorkflow, linkSentQuery } from './bare.workflows';

/**
 * `npm run bench`: invitations end to end through the engine (HTTP invite → link mailed through the
 * outbox → HTTP accept → partnership), against the same shape of work on bare Temporal, on one dev
 * server. Reports throughput and latency percentiles and their ratios; asserts nothing.
 *   BENCH_COUNT (default 200), BENCH_CONCURRENCY (default 10), DATABASE_URL (else PGlite),
 *   TEMPORAL_ADDRESS (an existing Temporal frontend, e.g. npm run prod:local's; else a dev server is started).
 */
const count = Number(process.env.BENCH_COUNT ?? 200);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 10);
const freePort = 17000 + Math.floor(Math.random() * 2000);

async function run(label: string, task: (index: number) => Promise<void>) {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const index = next++;
        const t0 = performance.now();
        await task(index);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { label, count, concurrency, seconds, perSecond: count / seconds, p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

async function poll<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function main() {
  const existing = process.env.TEMPORAL_ADDRESS || undefined;
  const server = existing ? undefined : await startDevServer({ binary: ensureTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH || undefined }), port: freePort, namespace: 'default' });
  const address = existing ?? server!.address;
  const logger = createLogger('warn');
  const database = await openDatabase({
    databaseUrl: process.env.DATABASE_URL || undefined,
    dataDir: mkdtempSync(path.join(os.tmpdir(), 'poe-bench-')),
    maxConnections: 20,
  });
  await database.migrate();
  await seedCatalog(database.db);

  // --- bare Temporal ---
  installTemporalRuntime({ logger });
  const bareConnection = await NativeConnection.connect({ address });
  const bareWorker = await Worker.create({
    connection: bareConnection,
    taskQueue: 'bench-bare',
    workflowsPath: path.resolve(import.meta.dirname, 'bare.workflows.ts'),
    activities: { sendLink: async () => {}, createPartnership: async () => randomUUID() },
  });
  const bareRunning = bareWorker.run();
  const bareClient = new Client({ connection: await Connection.connect({ address }) });
  const bare = await run('bare Temporal', async () => {
    const handle = await bareClient.workflow.start(bareInvitationWorkflow, { taskQueue: 'bench-bare', workflowId: `bare-${randomUUID()}`, args: [randomUUID()] });
    await poll(async () => ((await handle.query(linkSentQuery)) ? true : undefined));
    await handle.executeUpdate(bareAcceptUpdate, { args: ['reseller'] });
    await handle.result();
  });
  bareWorker.shutdown();
  await bareRunning;

  // --- the engine, through its HTTP API ---
  const port = freePort + 1;
  const config = requireSecrets(
    loadConfig({
      PORT: String(port),
      OPERATOR_API_KEY: 'bench-operator-key-0123456789abcdef',
      ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TASK_QUEUE: 'bench-engine',
      LOG_LEVEL: 'warn',
      API_RATE_LIMIT_PER_MINUTE: '1000000',
    }),
  );
  const engine = await startEngine({ config, runApi: true, runWorker: true, database, logger, listenPort: port });
  const base = engine.url!;
  const call = async (method: string, pathname: string, body?: unknown, key?: string) => {
    const response = await fetch(base + pathname, {
      method,
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const partner = async (kind: 'provider' | 'reseller', email: string) =>
    (
      await call(
        'POST',
        '/v1/partners',
        { kind, name: kind, email, partnerId: String(1_000_000_000 + Math.floor(Math.random() * 8_999_999_999)), country: 'ES', ...(kind === 'reseller' ? { cspEnrolled: true } : {}) },
        config.operatorApiKey,
      )
    ).body;
  const provider = await partner('provider', 'bench-provider@example.test');
  const resellers = await Promise.all(Array.from({ length: count }, (_, i) => partner('reseller', `bench-${i}-${randomUUID().slice(0, 8)}@example.test`)));
  const engineRun = await run('engine (HTTP + Postgres + encryption)', async (index) => {
    const reseller = resellers[index].partner;
    const invite = await call('POST', '/v1/invitations', { resellerEmail: reseller.email }, provider.apiKey);
    if (invite.status !== 202) throw new Error(`invite answered ${invite.status}`);
    const link = await poll(async () => {
      const [mail] = (await engine.deps.mailer.recent(concurrency * 5)).filter((message) => message.to === reseller.email);
      return mail ? /\/invitations\/[A-Za-z0-9_-]+/.exec(mail.text)?.[0] : undefined;
    });
    const accepted = await call('POST', `${link}/accept`, { partnerId: reseller.partnerId });
    if (accepted.status !== 200) throw new Error(`accept answered ${accepted.status}`);
  });
  await engine.stop();
  await database.close();
  await server?.stop();

  const rows = [bare, engineRun];
  console.table(rows.map((row) => ({ ...row, seconds: +row.seconds.toFixed(2), perSecond: +row.perSecond.toFixed(1), p50: +row.p50.toFixed(1), p95: +row.p95.toFixed(1), p99: +row.p99.toFixed(1) })));
  console.log(
    JSON.stringify({
      temporal: existing ? `existing server at ${existing}` : 'dev server',
      database: database.kind,
      count,
      concurrency,
      throughputRatio: +(engineRun.perSecond / bare.perSecond).toFixed(3),
      p50Ratio: +(engineRun.p50 / bare.p50).toFixed(3),
      p95Ratio: +(engineRun.p95 / bare.p95).toFixed(3),
    }),
  );
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
