import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { Mailbox } from '../../chaos/mailbox';
import { bareAcceptUpdate, bareInvitationWorkflow } from '../bare.workflows';
import {
  benchConfig,
  cpuPerItem,
  databaseCpuFrom,
  envNumber,
  freePort,
  openBenchDatabase,
  round,
  runConcurrently,
  startBenchEngine,
  startBenchServer,
  timing,
  type BenchEngine,
  type BenchServer,
  type Scenario,
} from '../support';
import { startWorkerProcess, stopWorkerProcess } from './waiting';

/**
 * `invitations`: invitations end to end through the engine (HTTP invite → link mailed over SMTP →
 * HTTP accept → partnership) against the same shape of work on bare Temporal, on one dev server, at
 * each concurrency of BENCH_CONCURRENCY (`10,50`). Besides end-to-end throughput and latency it times
 * the engine's link accept alone against the bare workflow's accept Update alone, and the CPU each side
 * spends per invitation: its processes, the Temporal server, and (the engine's) Postgres backends.
 *   BENCH_COUNT (200 per concurrency), BENCH_ROUNDS (1; with more, the median ratios too),
 *   BENCH_WARMUP (20 unmeasured invitations per side first), BENCH_SMTP_DELAY (0 ms: how long the
 *   mailbox holds each reply to MAIL FROM, RCPT TO and a message's end, as a remote mail server does),
 *   DATABASE_URL (else PGlite), DATABASE_POOL_SIZE, WORKER_*, BENCH_KEEP_DATABASE=1 (keep its database).
 *
 * Neither side polls for its link: the engine mails it to an SMTP mailbox in this process (as a
 * reseller's mail server receives it), and bare's link activity hands it over in this process. They
 * used to poll, every 10 ms per invitation in flight: the outbox table for the engine, a workflow query
 * for bare. At concurrency 50 that was thousands of reads a second in the processes being measured.
 */
export const invitations: Scenario = {
  name: 'invitations',
  describe: 'invite → mailed link → accept, through the engine vs bare Temporal',
  async run() {
    const count = envNumber('BENCH_COUNT', 200);
    // Bare and engine in turn, round after round, on the same server: this VM's run-to-run spread (±15 %
    // on a ratio) is larger than most changes, so compare medians over rounds, not single runs.
    const rounds = envNumber('BENCH_ROUNDS', 1);
    const warmup = envNumber('BENCH_WARMUP', 20);
    const concurrencies = (process.env.BENCH_CONCURRENCY ?? '10,50').split(',').map(Number);
    const server = await startBenchServer();
    const bench = await openBenchDatabase({
      name: `poe_bench_invitations_${process.pid}`,
      maxConnections: envNumber('DATABASE_POOL_SIZE', 10),
    });
    const rows = [];
    const ratios = [];
    try {
      const mailbox = new Mailbox({ replyDelayMs: envNumber('BENCH_SMTP_DELAY', 0) });
      const smtpPort = freePort();
      await mailbox.listen(smtpPort);
      const config = benchConfig(server, freePort(), { SMTP_URL: `smtp://127.0.0.1:${smtpPort}` });
      // As deployed: the API here, the worker a process of its own (BENCH_WORKER=inline: both in this
      // process, as `npm start`'s dev mode runs them). PGlite cannot be shared, so it is always inline.
      const separateWorker = process.env.BENCH_WORKER !== 'inline' && bench.url !== undefined;
      const engine = await startBenchEngine({
        config,
        runApi: true,
        runWorker: !separateWorker,
        database: bench.database,
      });
      const worker = separateWorker ? await startWorkerProcess(config, bench.url!) : undefined;
      const bare = await startBare(server);
      // Unmeasured first invitations on each side: JIT, connection pools, prepared statements and the
      // workflow bundle's first compilation are a process's start, not its steady state.
      if (warmup > 0) {
        await bare.run(warmup, Math.min(warmup, 10));
        await runEngine(engine, mailbox, await enginePartners(engine, warmup), Math.min(warmup, 10));
      }
      for (let turn = 1; turn <= rounds; turn += 1)
        for (const concurrency of concurrencies) {
          const { result: bareRun, ...bareCpu } = await cpuPerItem(server, count, () => bare.run(count, concurrency));
          // The provider and resellers are the run's setup, not its invitations: made before the CPU is counted.
          const partners = await enginePartners(engine, count);
          const databaseCpu = await databaseCpuFrom(bench.database);
          const { result: engineRun, ...engineCpu } = await cpuPerItem(
            server,
            count,
            () => runEngine(engine, mailbox, partners, concurrency),
            worker ? [worker.pid!] : [],
          );
          const databaseCpuMs = round(((await databaseCpu()) * 1000) / count, 2);
          rows.push(
            { run: 'bare Temporal, end to end', round: turn, concurrency, ...bareRun.total, ...bareCpu },
            { run: 'engine, end to end', round: turn, concurrency, ...engineRun.total, ...engineCpu, databaseCpuMs },
            { run: 'bare accept Update', round: turn, concurrency, ...bareRun.accept },
            { run: 'engine link accept', round: turn, concurrency, ...engineRun.accept },
          );
          ratios.push({
            round,
            concurrency,
            throughputRatio: round(engineRun.total.perSecond / bareRun.total.perSecond, 3),
            p95Ratio: round(engineRun.total.p95 / bareRun.total.p95, 3),
            acceptP99Ratio: round(engineRun.accept.p99 / bareRun.accept.p99, 3),
            cpuMsPerInvitation: {
              bare: { process: bareCpu.processCpuMs, server: bareCpu.serverCpuMs },
              engine: {
                process: engineCpu.processCpuMs,
                ...(engineCpu.otherProcessesCpuMs === undefined ? {} : { worker: engineCpu.otherProcessesCpuMs }),
                server: engineCpu.serverCpuMs,
                database: databaseCpuMs,
              },
            },
          });
        }
      await bare.stop();
      await engine.stop();
      if (worker) {
        await stopWorkerProcess(worker);
      }
      await mailbox.close();
    } finally {
      if (process.env.BENCH_KEEP_DATABASE !== '1') await bench.drop();
      await server.stop();
    }
    return {
      rows,
      summary: {
        database: bench.database.kind,
        worker: process.env.BENCH_WORKER === 'inline' ? 'inline' : 'process',
        count,
        warmup,
        rounds,
        ratios,
        ...(rounds > 1 ? { medians: medianRatios(ratios) } : {}),
      },
    };
  },
};

/** Per concurrency, the median over rounds of each ratio. */
function medianRatios(
  ratios: Array<{ concurrency: number; throughputRatio: number; p95Ratio: number; acceptP99Ratio: number }>,
) {
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle]! : round((sorted[middle - 1]! + sorted[middle]!) / 2, 3);
  };
  return [...new Set(ratios.map((ratio) => ratio.concurrency))].map((concurrency) => {
    const mine = ratios.filter((ratio) => ratio.concurrency === concurrency);
    return {
      concurrency,
      throughputRatio: median(mine.map((ratio) => ratio.throughputRatio)),
      p95Ratio: median(mine.map((ratio) => ratio.p95Ratio)),
      acceptP99Ratio: median(mine.map((ratio) => ratio.acceptP99Ratio)),
    };
  });
}

async function startBare(server: BenchServer) {
  const connection = await NativeConnection.connect({ address: server.address });
  // The link "mailed" by the bare workflow's activity, handed to the request waiting for it.
  const linkSent = new Map<string, () => void>();
  const worker = await Worker.create({
    connection,
    taskQueue: 'bench-bare',
    workflowsPath: path.resolve(import.meta.dirname, '../bare.workflows.ts'),
    activities: {
      sendLink: async (id: string) => linkSent.get(id)?.(),
      createPartnership: async () => randomUUID(),
    },
  });
  const running = worker.run();
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  return {
    async run(count: number, concurrency: number) {
      const accepts: number[] = [];
      const total = await runConcurrently(count, concurrency, async () => {
        const id = randomUUID();
        const sent = new Promise<void>((resolve) => linkSent.set(id, resolve));
        const handle = await client.workflow.start(bareInvitationWorkflow, {
          taskQueue: 'bench-bare',
          workflowId: `bare-${id}`,
          args: [id],
        });
        await sent;
        linkSent.delete(id);
        const t0 = performance.now();
        await handle.executeUpdate(bareAcceptUpdate, { args: ['reseller'] });
        accepts.push(performance.now() - t0);
        await handle.result();
      });
      return { total, accept: timing(accepts, total.seconds) };
    },
    async stop() {
      worker.shutdown();
      await running;
      await client.connection.close();
      await connection.close();
    },
  };
}

/** A provider and `count` CSP-enrolled resellers, registered through the API, for one run of invitations. */
async function enginePartners(engine: BenchEngine, count: number) {
  const operator = engine.deps.config.operatorApiKey;
  const partner = async (kind: 'provider' | 'reseller', email: string) => {
    const body = {
      kind,
      name: kind,
      email,
      partnerId: String(1_000_000_000 + Math.floor(Math.random() * 8_999_999_999)),
      country: 'ES',
      ...(kind === 'reseller' ? { cspEnrolled: true } : {}),
    };
    const created = await engine.call('POST', '/v1/partners', body, operator);
    if (created.status !== 201)
      throw new Error(`POST /v1/partners answered ${created.status}: ${JSON.stringify(created.body)}`);
    return created.body;
  };
  const provider = await partner('provider', `bench-provider-${randomUUID().slice(0, 8)}@example.test`);
  const resellers: Array<Awaited<ReturnType<typeof partner>>> = [];
  await runConcurrently(count, 10, async (i) => {
    resellers[i] = await partner('reseller', `bench-${i}-${randomUUID().slice(0, 8)}@example.test`);
  });
  return { provider, resellers };
}

async function runEngine(
  engine: BenchEngine,
  mailbox: Mailbox,
  { provider, resellers }: Awaited<ReturnType<typeof enginePartners>>,
  concurrency: number,
) {
  const accepts: number[] = [];
  const total = await runConcurrently(resellers.length, concurrency, async (index) => {
    const reseller = resellers[index].partner;
    const invite = await engine.call('POST', '/v1/invitations', { resellerEmail: reseller.email }, provider.apiKey);
    if (invite.status !== 202) throw new Error(`invite answered ${invite.status}`);
    const link = new URL(await mailbox.linkFor(reseller.email, 120_000)).pathname;
    const t0 = performance.now();
    const accepted = await engine.call('POST', `${link}/accept`, { partnerId: reseller.partnerId });
    if (accepted.status !== 200)
      throw new Error(`accept answered ${accepted.status}: ${JSON.stringify(accepted.body)}`);
    accepts.push(performance.now() - t0);
  });
  return { total, accept: timing(accepts, total.seconds) };
}
