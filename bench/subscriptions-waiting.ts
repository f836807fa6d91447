import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { count as countRows } from 'drizzle-orm';
import { loadConfig, requireSecrets } from '../src/config';
import { openDatabase } from '../src/db/client';
import { customers, orderLines, orders, partners, subscriptionCharges, subscriptions } from '../src/db/schema';
import { seedCatalog } from '../src/db/seed';
import { createLogger } from '../src/logger';
import { startEngine } from '../src/main/engine';
import { backfillSubscriptionWorkflows } from '../src/services/subscription-backfill';
import { ensureTemporalCli } from '../src/temporal/cli';
import { startDevServer } from '../src/temporal/dev-server';

/**
 * `npm run bench:subscriptions`: what sleeping subscriptions cost. BENCH_SUBSCRIPTIONS workflows
 * (default 2000) are started through the backfill, each charges its first period and then sleeps on
 * its timers (calendar months: nothing is due for a month). Reports how fast they reached that
 * state, then the worker's CPU time and memory over BENCH_WAIT_SECONDS (default 30) of waiting.
 * Asserts nothing. DATABASE_URL (else PGlite).
 */
const total = Number(process.env.BENCH_SUBSCRIPTIONS ?? 2000);
const waitSeconds = Number(process.env.BENCH_WAIT_SECONDS ?? 30);
const port = 19000 + Math.floor(Math.random() * 1000);

async function main() {
  const server = await startDevServer({ binary: ensureTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH || undefined }), port, namespace: 'default' });
  const database = await openDatabase({ databaseUrl: process.env.DATABASE_URL || undefined, dataDir: mkdtempSync(path.join(os.tmpdir(), 'poe-bench-')), maxConnections: 20 });
  await database.migrate();
  await seedCatalog(database.db);
  const { db } = database;

  const providerId = randomUUID();
  const customerId = randomUUID();
  const orderId = randomUUID();
  await db.insert(partners).values({ id: providerId, kind: 'provider', partnerId: String(Date.now()).slice(-9), name: 'Bench', email: 'bench@example.test', country: 'ES', apiKeyHash: randomUUID() });
  await db.insert(customers).values({
    id: customerId,
    providerId,
    name: 'Bench customer',
    domainPrefix: `bench${Date.now()}`,
    domain: `bench${Date.now()}.onmicrosoft.com`,
    country: 'ES',
    address: { line1: 'x', city: 'Madrid', postalCode: '28013' },
    contact: { firstName: 'A', lastName: 'B', email: 'a@example.test' },
    status: 'active',
  });
  await db.insert(orders).values({ id: orderId, providerId, customerId, status: 'completed', workflowId: 'bench' });
  for (let offset = 0; offset < total; offset += 500) {
    const batch = Array.from({ length: Math.min(500, total - offset) }, (_, index) => ({ id: randomUUID(), lineNumber: offset + index + 1 }));
    await db.insert(orderLines).values(batch.map((line) => ({ ...line, orderId, offerId: 'm365-e3', quantity: 5, unitPrice: 3600, currency: 'EUR', term: 'P1Y' as const, billingFrequency: 'monthly' as const })));
    await db.insert(subscriptions).values(batch.map((line) => ({ customerId, orderId, orderLineId: line.id, offerId: 'm365-e3', quantity: 5, term: 'P1Y' as const, billingFrequency: 'monthly' as const })));
  }

  const config = requireSecrets(
    loadConfig({ TEMPORAL_ADDRESS: server.address, TEMPORAL_TASK_QUEUE: 'bench-subscriptions', OPERATOR_API_KEY: 'bench-operator-key-0123456789', ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64'), LOG_LEVEL: 'warn' }),
  );
  const engine = await startEngine({ config, runApi: false, runWorker: true, database, logger: createLogger('warn') });

  const started = performance.now();
  const result = await backfillSubscriptionWorkflows({ db, temporal: engine.deps.temporal, taskQueue: config.temporal.taskQueue });
  const startSeconds = (performance.now() - started) / 1000;
  for (;;) {
    const [row] = await db.select({ value: countRows() }).from(subscriptionCharges);
    if (row!.value >= total) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const sleepingSeconds = (performance.now() - started) / 1000;

  const cpuBefore = process.cpuUsage();
  const rssBefore = process.memoryUsage().rss;
  await new Promise((resolve) => setTimeout(resolve, waitSeconds * 1000));
  const cpu = process.cpuUsage(cpuBefore);
  const figures = {
    subscriptions: total,
    started: result.started,
    startSeconds: Number(startSeconds.toFixed(1)),
    allSleepingAfterSeconds: Number(sleepingSeconds.toFixed(1)),
    subscriptionsPerSecond: Number((total / sleepingSeconds).toFixed(1)),
    waitSeconds,
    workerCpuMsPerSecondWhileWaiting: Number(((cpu.user + cpu.system) / 1000 / waitSeconds).toFixed(2)),
    workerRssMbBefore: Math.round(rssBefore / 1e6),
    workerRssMbAfter: Math.round(process.memoryUsage().rss / 1e6),
  };
  console.log(JSON.stringify(figures, null, 2));
  await engine.stop();
  await database.close();
  await server.stop();
}

await main();
process.exit(0);
