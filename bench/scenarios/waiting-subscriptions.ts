import { sql } from 'drizzle-orm';
import type { DbHandle } from '../../src/db/client';
import { backfillSubscriptionWorkflows } from '../../src/services/subscription-backfill';
import { connectClient } from '../../src/temporal/connection';
import { createDataConverter } from '../../src/temporal/data-converter';
import { createKeyRing } from '../../src/security/cipher';
import { seedCustomers } from '../reads.seed';
import {
  benchConfig,
  envNumber,
  freePort,
  openBenchDatabase,
  round,
  runConcurrently,
  sleep,
  startBenchServer,
  type Scenario,
} from '../support';
import {
  sampleCheckpoints,
  startWorkerProcess,
  stopWorkerProcess,
  waitingSettings,
  waitingSummary,
  type CheckpointRow,
} from './waiting';

/** The seed gives each customer two subscriptions and cancels the second of every seventh: 1.857 live ones each. */
const LIVE_SUBSCRIPTIONS_PER_CUSTOMER = 1.8;
/** Workflows started per backfill call; BENCH_CONCURRENCY calls run at once. */
const SLICE = 100;

/**
 * `waiting-subscriptions`: what a book of sleeping subscriptions costs. Seeds enough customers by
 * SQL (`bench/reads.seed.ts`) for the last checkpoint of BENCH_WAITING (`5000,100000`), then starts
 * their `subscription-<id>` workflows through the backfill (`npm run subscriptions:backfill`'s
 * code), BENCH_CONCURRENCY (10) slices of 100 at a time, up to each checkpoint. At each one, once
 * every workflow has recorded its state (its first charge written, its timer set) and
 * BENCH_SETTLE_SECONDS (30) have passed, it samples the worker's own process RSS and the Temporal
 * server's. At most BENCH_IN_FLIGHT (400) runs are started and not yet asleep at once. Needs DATABASE_URL (the worker runs as a process of its own); WORKER_* are passed on.
 */
export const waitingSubscriptions: Scenario = {
  name: 'waiting-subscriptions',
  describe: 'worker and server RSS with N subscription workflows asleep between billing periods',
  async run() {
    const { checkpoints, concurrency, settleMs } = waitingSettings('waiting-subscriptions', {
      checkpoints: '5000,100000',
      concurrency: '10',
    });
    const inFlight = envNumber('BENCH_IN_FLIGHT', 400);
    const customers = Math.ceil(Math.max(...checkpoints) / LIVE_SUBSCRIPTIONS_PER_CUSTOMER);
    const server = await startBenchServer();
    const bench = await openBenchDatabase({
      name: `poe_bench_subscriptions_${process.pid}`,
      maxConnections: envNumber('DATABASE_POOL_SIZE', 10),
    });
    const rows: CheckpointRow[] = [];
    try {
      await seedCustomers(bench.database.db, customers, (done) =>
        process.stderr.write(`\r  seeded ${done} of ${customers} customers`),
      );
      process.stderr.write('\n');
      const config = benchConfig(server, freePort());
      const keyRing = createKeyRing(
        { keyId: config.encryption.keyId, key: config.encryption.key },
        config.encryption.previousKeys,
      );
      const temporal = await connectClient(
        { ...config.temporal, address: server.address },
        createDataConverter(keyRing),
      );
      const worker = await startWorkerProcess(config, bench.url!);
      try {
        const ids = await liveSubscriptionIds(bench.database, Math.max(...checkpoints));
        rows.push(
          ...(await sampleCheckpoints({ worker, server, checkpoints, settleMs }, async (first, target) => {
            const slice = ids.slice(first, target);
            const t0 = performance.now();
            let startedSoFar = first;
            await runConcurrently(Math.ceil(slice.length / SLICE), concurrency, async (index) => {
              const subscriptionIds = slice.slice(index * SLICE, (index + 1) * SLICE);
              // Keep what is started but not yet asleep under the worker's cache: beyond it every task
              // of a run evicted meanwhile replays its history, and the backlog only costs more.
              while (startedSoFar - (await subscriptionsWithWorkflow(bench.database)) > inFlight) await sleep(500);
              startedSoFar += subscriptionIds.length;
              await backfillSubscriptionWorkflows(
                { db: bench.database.db, temporal, taskQueue: config.temporal.taskQueue },
                { subscriptionIds },
              );
            });
            const startsPerSecond = round(slice.length / ((performance.now() - t0) / 1000));
            while ((await subscriptionsWithWorkflow(bench.database)) < target) await sleep(1000);
            return startsPerSecond;
          })),
        );
      } finally {
        await stopWorkerProcess(worker);
        await temporal.connection.close();
      }
    } finally {
      await bench.drop();
      await server.stop();
    }
    return { rows, summary: waitingSummary(rows, envNumber('WORKER_MAX_CACHED_WORKFLOWS', 500)) };
  },
};

async function liveSubscriptionIds(database: DbHandle, count: number): Promise<string[]> {
  const rows = (await database.db.execute(
    sql`select id from subscriptions where status = 'active' order by created_at limit ${count}`,
  )) as unknown as Array<{ id: string }>;
  if (rows.length < count) throw new Error(`the seed holds ${rows.length} live subscriptions, fewer than ${count}`);
  return rows.map((row) => row.id);
}

/** Subscriptions whose workflow has recorded its state: it has run its first task and sleeps on a timer. */
async function subscriptionsWithWorkflow(database: DbHandle): Promise<number> {
  const [row] = (await database.db.execute(
    sql`select count(*)::int as n from subscriptions where workflow_id is not null`,
  )) as unknown as Array<{ n: number }>;
  return row!.n;
}
