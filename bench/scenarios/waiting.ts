import type { ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import type { RuntimeConfig } from '../../src/config';
import type { DbHandle } from '../../src/db/client';
import {
  benchConfig,
  envNumber,
  freePort,
  openBenchDatabase,
  processCpuSeconds,
  round,
  runConcurrently,
  sleep,
  spawnEngineProcess,
  startBenchEngine,
  startBenchServer,
  type BenchServer,
  type Scenario,
} from '../support';

/**
 * `waiting`: what merely waiting work costs. A worker runs as a process of its own (`npm run
 * worker`, so its RSS is its own) while the API starts invitations that then wait for their
 * answer, up to each checkpoint of BENCH_WAITING (`5000,20000`; the target compares 5,000
 * with 100,000), BENCH_CONCURRENCY (20) at a time. At each checkpoint, once the worker has sent
 * every link and BENCH_SETTLE_SECONDS (30) have passed, it samples the worker's and the Temporal
 * server's RSS. Needs DATABASE_URL (two processes share the database); WORKER_* are passed on;
 * BENCH_WORKER_LOG names a file for the worker's logs (else they are discarded).
 */
export const waiting: Scenario = {
  name: 'waiting',
  describe: 'worker and server RSS with N invitations waiting for an answer',
  async run() {
    const { checkpoints, concurrency, settleMs } = waitingSettings('waiting', {
      checkpoints: '5000,20000',
      concurrency: '20',
    });
    const server = await startBenchServer();
    const bench = await openBenchDatabase({
      name: `poe_bench_waiting_${process.pid}`,
      maxConnections: envNumber('DATABASE_POOL_SIZE', 10),
    });
    const config = benchConfig(server, freePort());
    const worker = await startWorkerProcess(config, bench.url!);
    const rows: CheckpointRow[] = [];
    try {
      const engine = await startBenchEngine({ config, runApi: true, runWorker: false, database: bench.database });
      const body = {
        kind: 'provider',
        name: 'Bench provider',
        email: 'provider@bench.test',
        partnerId: String(1_000_000_000 + Math.floor(Math.random() * 8e9)),
        country: 'ES',
      };
      const provider = (await engine.call('POST', '/v1/partners', body, config.operatorApiKey)).body;
      rows.push(
        ...(await sampleCheckpoints({ worker, server, checkpoints, settleMs }, async (first, target) => {
          const starts = await runConcurrently(target - first, concurrency, async (index) => {
            const reply = await engine.call(
              'POST',
              '/v1/invitations',
              { resellerEmail: `w${first + index}@bench.test` },
              provider.apiKey,
            );
            if (reply.status !== 202) throw new Error(`invite answered ${reply.status}: ${JSON.stringify(reply.body)}`);
          });
          while ((await linksSent(bench.database)) < target) await sleep(1000);
          return starts.perSecond;
        })),
      );
      await engine.stop();
    } finally {
      await stopWorkerProcess(worker);
      await bench.drop();
      await server.stop();
    }
    return { rows, summary: waitingSummary(rows, config.worker.maxCachedWorkflows) };
  },
};

export type CheckpointRow = {
  waiting: number;
  startsPerSecond: number;
  drainSeconds: number;
  workerRssMiB: number;
  workerPeakMiB: number;
  serverRssMiB: number;
  /** CPU spent per run brought to wait, from the first start to the last one asleep: the worker's, and the dev server's. */
  workerCpuMs: number;
  serverCpuMs: number;
};

/**
 * The measurement both waiting scenarios make: an idle row, then for each checkpoint `start(first,
 * target)` brings the waiting work from `first` to `target` and resolves, with the start rate, once
 * the worker has taken all of it up; after `settleMs` the worker's and server's RSS are sampled (the
 * worker's peak is sampled every second meanwhile).
 */
export async function sampleCheckpoints(
  run: { worker: ChildProcess; server: BenchServer; checkpoints: number[]; settleMs: number },
  start: (first: number, target: number) => Promise<number>,
): Promise<CheckpointRow[]> {
  const { worker, server, checkpoints, settleMs } = run;
  const workerExit = new Promise<never>((_, reject) =>
    worker.once('exit', (code, signal) =>
      reject(new Error(`the worker exited (${code ?? signal}) before ${checkpoints.at(-1)} were asleep`)),
    ),
  );
  workerExit.catch(() => {});
  await sleep(settleMs / 3);
  const idle = rssMiB(worker.pid!);
  const rows: CheckpointRow[] = [
    {
      waiting: 0,
      startsPerSecond: 0,
      drainSeconds: 0,
      workerRssMiB: idle,
      workerPeakMiB: idle,
      serverRssMiB: serverRss(server),
      workerCpuMs: 0,
      serverCpuMs: 0,
    },
  ];
  const serverCpu = () => (server.process?.pid ? processCpuSeconds(server.process.pid) : 0);
  let started = 0;
  for (const target of checkpoints) {
    let workerPeak = 0;
    const sampler = setInterval(() => (workerPeak = Math.max(workerPeak, rssMiB(worker.pid!))), 1000);
    const t0 = performance.now();
    const cpuBefore = { worker: processCpuSeconds(worker.pid!), server: serverCpu() };
    // A worker that exits (a crash, or a signal from outside: here a sandbox under memory pressure sent
    // SIGTERM once the dev server had taken all of it) ends the run; each checkpoint's row is already printed.
    let startsPerSecond: number;
    try {
      startsPerSecond = await Promise.race([start(started, target), workerExit]);
    } catch (error) {
      clearInterval(sampler);
      throw error;
    }
    const drainSeconds = round((performance.now() - t0) / 1000);
    const perRun = (seconds: number) => round((seconds * 1000) / (target - started), 2);
    const workerCpuMs = perRun(processCpuSeconds(worker.pid!) - cpuBefore.worker);
    const serverCpuMs = perRun(serverCpu() - cpuBefore.server);
    started = target;
    await sleep(settleMs);
    clearInterval(sampler);
    rows.push({
      waiting: target,
      startsPerSecond,
      drainSeconds,
      workerRssMiB: rssMiB(worker.pid!),
      workerPeakMiB: workerPeak,
      serverRssMiB: serverRss(server),
      workerCpuMs,
      serverCpuMs,
    });
    process.stderr.write(`  ${JSON.stringify(rows.at(-1))}\n`);
  }
  return rows;
}

/** The JSON line of a waiting scenario: RSS per checkpoint, and the last against the first non-idle one. */
export function waitingSummary(rows: CheckpointRow[], maxCachedWorkflows: number) {
  return {
    maxCachedWorkflows,
    rss: rows.map((row) => ({ waiting: row.waiting, worker: row.workerRssMiB, server: row.serverRssMiB })),
    workerGrowthVsFirstCheckpoint: round(rows.at(-1)!.workerRssMiB / rows[1]!.workerRssMiB, 3),
  };
}

/** What both waiting scenarios read: BENCH_WAITING's checkpoints, BENCH_CONCURRENCY, BENCH_SETTLE_SECONDS; DATABASE_URL is required. */
export function waitingSettings(scenario: string, defaults: { checkpoints: string; concurrency: string }) {
  if (!process.env.DATABASE_URL)
    throw new Error(`the ${scenario} scenario needs DATABASE_URL: the worker runs as a process of its own`);
  return {
    checkpoints: (process.env.BENCH_WAITING ?? defaults.checkpoints).split(',').map(Number),
    concurrency: Number((process.env.BENCH_CONCURRENCY ?? defaults.concurrency).split(',')[0]),
    settleMs: envNumber('BENCH_SETTLE_SECONDS', 30) * 1000,
  };
}

/** Resident set size of a process, in MiB (Linux). */
export function rssMiB(pid: number): number {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return 0; // the process has exited
  }
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? round(Number(match[1]) / 1024) : 0;
}

async function linksSent(database: DbHandle): Promise<number> {
  const [row] = (await database.db.execute(
    sql`select count(*)::int as sent from invitations where link_sent_count > 0`,
  )) as unknown as Array<{ sent: number }>;
  return row!.sent;
}

/** `npm run worker` as a child process, with the bench's configuration; resolves once it polls. */
export async function startWorkerProcess(config: RuntimeConfig, databaseUrl: string): Promise<ChildProcess> {
  const child = spawnEngineProcess('worker', config, databaseUrl, { LOG_LEVEL: 'info' });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the worker exited with ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('worker running')) resolve();
    });
  });
  // The worker's logs are discarded unless BENCH_WORKER_LOG names a file for them: a long run whose
  // worker exits should leave the reason behind.
  const logFile = process.env.BENCH_WORKER_LOG;
  if (logFile) child.stdout!.pipe(createWriteStream(logFile, { flags: 'a' }));
  else child.stdout!.resume();
  child.once('exit', (code, signal) => {
    if (!stopping.has(child)) process.stderr.write(`  the worker exited (${code ?? signal})\n`);
  });
  return child;
}

const stopping = new WeakSet<ChildProcess>();

/** Stops a worker startWorkerProcess started (SIGTERM, a graceful drain), also one that has already exited. */
export async function stopWorkerProcess(worker: ChildProcess): Promise<void> {
  stopping.add(worker);
  if (worker.exitCode !== null || worker.signalCode !== null) return;
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  worker.kill('SIGTERM');
  await exited;
}

/**
 * The Temporal server's RSS: the dev server's when the scenario started it; for an existing
 * TEMPORAL_ADDRESS, the sum over BENCH_SERVER_PIDS (e.g. the server nodes `npm run prod:local` lists
 * under "Processes"; its Postgres is left out, its shared buffers would count once per backend), else 0.
 */
export function serverRss(server: BenchServer): number {
  if (server.process?.pid) return rssMiB(server.process.pid);
  const pids = (process.env.BENCH_SERVER_PIDS ?? '').split(',').filter(Boolean).map(Number);
  return round(pids.reduce((sum, pid) => sum + rssMiB(pid), 0));
}
