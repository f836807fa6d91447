import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { ensureTemporalCli } from '../src/temporal/cli';
import { startDevServer, type DevServer } from '../src/temporal/dev-server';
import { bundleWorkflows } from '../src/temporal/worker';
import { check } from './checks';
import { ChaosStats, RetryingClient } from './client';
import { Mailbox } from './mailbox';
import { startPrivatePostgres } from './postgres';
import { answers, startProcess, type AppProcess } from './topology';
import { invitationProcess, onboardingProcess, orderProcess, type Party, type Reseller } from './workload';

/**
 * `npm run chaos`: the production topology on one machine — one API and two worker processes, a
 * Temporal dev server persisted to a file, a private Postgres — under a workload of retrying clients
 * (invitations accepted through their emailed links, onboardings with their credentials, orders) and
 * faults: a worker SIGKILLed and replaced every 10 s, the Temporal server SIGKILLed and restarted
 * once, Postgres stopped for 10 s once. Then checks exactly-once in the database and every client's
 * answer, prints the figures and exits 1 on any failure.
 *   CHAOS_N: invitations (default 60); onboardings and orders are a third of it each.
 *   CHAOS_CONCURRENCY: clients at once (default 40). CHAOS_SPREAD: seconds over which clients start (default 45).
 */
const N = Number(process.env.CHAOS_N ?? 60);
const ONBOARDINGS = Math.floor(N / 3);
const CONCURRENCY = Number(process.env.CHAOS_CONCURRENCY ?? 40);
const SPREAD_MS = Number(process.env.CHAOS_SPREAD ?? 45) * 1_000;
const ANSWER_TIMEOUT_MS = 10_000;
const OPERATOR_KEY = `chaos-operator-${randomBytes(12).toString('hex')}`;
const run = randomBytes(3).toString('hex');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => console.log(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}`);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Runs `work` for each index, `CONCURRENCY` at a time, the starts spread over SPREAD_MS. */
async function pool<T>(count: number, startedAt: number, work: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, count) }, async () => {
      while (next < count) {
        const index = next++;
        const due = startedAt + (index / count) * SPREAD_MS;
        if (due > Date.now()) await sleep(due - Date.now());
        results[index] = await work(index);
      }
    }),
  );
  return results;
}

async function main(): Promise<number> {
  const started = Date.now();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chaos-run-'));
  log(`${N} invitations, ${ONBOARDINGS} onboardings, ${ONBOARDINGS} orders; logs in ${dir}`);
  const [pgPort, temporalPort, apiPort, smtpPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];

  const postgresServer = startPrivatePostgres(pgPort);
  const cleanups: Array<() => Promise<void> | void> = [() => postgresServer.destroy()];
  const processes: AppProcess[] = [];
  let temporalServer: DevServer | undefined;
  const tearDown = async () => {
    for (const child of processes) child.kill('SIGKILL');
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void tearDown().finally(() => process.exit(1)));
  try {
    const binary = ensureTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH || undefined });
    const dbFile = path.join(dir, 'temporal.sqlite');
    temporalServer = await startDevServer({ binary, port: temporalPort, namespace: 'default', dbFile });
    cleanups.push(() => temporalServer?.stop());
    const mailbox = new Mailbox();
    await mailbox.listen(smtpPort);
    cleanups.push(() => mailbox.close());

    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: postgresServer.url,
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
      OPERATOR_API_KEY: OPERATOR_KEY,
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      PORT: String(apiPort),
      PUBLIC_BASE_URL: `http://127.0.0.1:${apiPort}`,
      API_ANSWER_TIMEOUT: `${ANSWER_TIMEOUT_MS}ms`,
      // One provider and one client address do everything here: the per-caller limits are not under test.
      API_RATE_LIMIT_PER_MINUTE: '1000000',
      LINK_RATE_LIMIT_PER_MINUTE: '100000',
      LOG_LEVEL: 'warn',
    };
    execFileSync(path.resolve(import.meta.dirname, '..', 'node_modules', '.bin', 'tsx'), ['src/db/migrate-cli.ts'], {
      cwd: path.resolve(import.meta.dirname, '..'),
      env,
      stdio: 'pipe',
    });
    const api = startProcess('api', 'api', env, dir);
    processes.push(api);
    // Workers log at info: their "worker running" line tells when they poll. They load a prebuilt
    // workflow bundle, as a production deploy would, so that a replacement polls within seconds.
    const bundlePath = path.join(dir, 'workflow-bundle.js');
    writeFileSync(bundlePath, ((await bundleWorkflows()) as { code: string }).code);
    const workerEnv = { ...env, LOG_LEVEL: 'info', WORKFLOW_BUNDLE_PATH: bundlePath };
    let workerCount = 0;
    const workers = [0, 1].map(() => startProcess('worker', `worker-${++workerCount}`, workerEnv, dir));
    processes.push(...workers);
    const base = `http://127.0.0.1:${apiPort}`;
    await answers(`${base}/readyz`, 120_000);
    /** Whether a worker has said it polls (its log file is opened asynchronously: absent means not yet). */
    const polls = (worker: AppProcess) => {
      try {
        return readFileSync(path.join(dir, `${worker.name}.log`), 'utf8').includes('worker running');
      } catch {
        return false;
      }
    };
    for (const worker of workers) {
      while (!polls(worker)) await sleep(250);
    }
    log('topology up: 1 API, 2 workers, Temporal dev server on a file, private Postgres');

    const stats = new ChaosStats();
    const client = new RetryingClient(base, stats, ANSWER_TIMEOUT_MS + 5_000, 15 * 60_000);
    const operatorCall = (body: unknown) => client.call('POST', '/v1/partners', { apiKey: OPERATOR_KEY, body });
    const partnerId = () => String(1_000_000_000 + Math.floor(Math.random() * 8_999_999_999));
    const created = await operatorCall({
      kind: 'provider',
      name: `Chaos provider ${run}`,
      email: `provider-${run}@chaos.example`,
      partnerId: partnerId(),
      country: 'ES',
    });
    const provider: Party = { apiKey: created.body.apiKey, id: created.body.partner.id };
    const resellers = await pool<Reseller>(N, Date.now() - SPREAD_MS, async (index) => {
      const reseller = { email: `reseller-${run}-${index}@chaos.example`, partnerId: partnerId() };
      const reply = await operatorCall({
        kind: 'reseller',
        name: `Reseller ${index}`,
        email: reseller.email,
        partnerId: reseller.partnerId,
        country: 'ES',
        cspEnrolled: true,
      });
      if (reply.status !== 201) throw new Error(`creating a reseller answered ${reply.status}`);
      return reseller;
    });
    Object.assign(stats, new ChaosStats());
    log(`${N} resellers registered; workload and faults start`);

    // --- faults ---
    const faults = { workerKills: 0, temporalRestarts: 0, postgresOutages: 0, killsDelayedMs: 0 };
    let workloadDone = false;
    const faultLoop = (async () => {
      const t0 = Date.now();
      let temporalDone = false;
      let postgresDone = false;
      for (let tick = 1; !workloadDone || !temporalDone || !postgresDone; tick++) {
        await sleep(Math.max(0, t0 + tick * 10_000 - Date.now()));
        // A crash takes one worker, not the fleet: the kill waits until the other worker polls. On
        // a starved machine a replacement can need longer than 10 s to start, and killing it anyway
        // would leave no worker polling at all — an outage of every worker, not the fault under test.
        const survivor = workers[(tick + 1) % 2]!;
        const waitedFrom = Date.now();
        while (!polls(survivor)) await sleep(250);
        faults.killsDelayedMs += Date.now() - waitedFrom;
        const victim = workers[tick % 2]!;
        victim.kill('SIGKILL');
        await victim.exited;
        workers[tick % 2] = startProcess('worker', `worker-${++workerCount}`, workerEnv, dir);
        processes.push(workers[tick % 2]!);
        faults.workerKills++;
        log(
          `SIGKILL ${victim.name}, started worker-${workerCount}; ${stats.attempts} requests so far, ${stats.answers503} answered 503`,
        );
        if (tick === 1) {
          temporalServer!.process.kill('SIGKILL');
          await new Promise((resolve) => temporalServer!.process.once('exit', resolve));
          log('SIGKILL Temporal server');
          await sleep(2_000);
          temporalServer = await startDevServer({ binary, port: temporalPort, namespace: 'default', dbFile });
          faults.temporalRestarts++;
          temporalDone = true;
          log('Temporal server restarted on its file');
        }
        if (tick === 3) {
          await postgresServer.stop();
          log('Postgres stopped');
          await sleep(10_000);
          await postgresServer.start();
          faults.postgresOutages++;
          postgresDone = true;
          log('Postgres started again');
        }
      }
    })();

    // --- workload ---
    const workloadStarted = Date.now();
    const [invitations, onboardings] = await Promise.all([
      pool(N, workloadStarted, (index) =>
        invitationProcess(client, mailbox, provider, resellers[index]!, `chaos-${run}-inv-${index}`),
      ),
      pool(ONBOARDINGS, workloadStarted, (index) =>
        onboardingProcess(client, provider, `chaos${run}x${index}`, `chaos-${run}-onb-${index}`),
      ),
    ]);
    const customers = onboardings.map((view) => view.customerId).filter((id): id is string => Boolean(id));
    const orders = await pool(customers.length, Date.now() - SPREAD_MS, (index) =>
      orderProcess(client, provider, customers[index]!, `chaos-${run}-ord-${index}`),
    );
    workloadDone = true;
    const workloadSeconds = (Date.now() - workloadStarted) / 1000;
    log(`workload done in ${workloadSeconds.toFixed(0)} s; waiting for the remaining faults`);
    await faultLoop;

    const connection = await Connection.connect({ address: `127.0.0.1:${temporalPort}` });
    const failures = await check(postgresServer.url, new Client({ connection }), provider.id, {
      invitations,
      onboardings,
      orders,
    });
    await connection.close();
    if (orders.length < ONBOARDINGS)
      failures.push(`only ${orders.length} of ${ONBOARDINGS} orders could be placed (customers missing)`);
    if (stats.unanswered > 0)
      failures.push(`${stats.unanswered} requests got no answer within ${(ANSWER_TIMEOUT_MS + 5_000) / 1000} s`);

    const figures = {
      processes: N + ONBOARDINGS + orders.length,
      invitations: N,
      onboardings: ONBOARDINGS,
      orders: orders.length,
      workerKills: faults.workerKills,
      killsDelayedForASurvivorMs: faults.killsDelayedMs,
      temporalRestarts: faults.temporalRestarts,
      postgresOutages10s: faults.postgresOutages,
      requests: stats.attempts,
      answers503: stats.answers503,
      answers429: stats.answers429,
      answers502or504: stats.answers502or504,
      keyInUse409: stats.keysInUse,
      connectionErrors: stats.connectionErrors,
      unanswered: stats.unanswered,
      longestAnswerMs: stats.longestAnswerMs,
      answerBoundMs: ANSWER_TIMEOUT_MS,
      workloadSeconds: Math.round(workloadSeconds),
      totalSeconds: Math.round((Date.now() - started) / 1000),
    };
    console.log(JSON.stringify(figures, null, 2));
    if (failures.length > 0) {
      console.log(`FAILED (${failures.length}):`);
      for (const failure of [...new Set(failures)].slice(0, 30)) console.log(`  - ${failure}`);
      console.log(`logs: ${dir}`);
      return 1;
    }
    log('PASSED: nothing duplicated or lost, every client holds its answer');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return 0;
  } finally {
    await tearDown();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
