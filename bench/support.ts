import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { loadConfig, requireSecrets, type RuntimeConfig } from '../src/config';
import { openDatabase, type DbHandle } from '../src/db/client';
import { seedCatalog } from '../src/db/seed';
import { createLogger } from '../src/logger';
import { startEngine, type Engine, type EngineOptions } from '../src/main/engine';
import { engineNodeArgs } from '../src/main/node-args';
import { ensureTemporalCli } from '../src/temporal/cli';
import { startDevServer, type DevServer } from '../src/temporal/dev-server';

/** What every scenario reports: a table printed as is and one JSON line for machines. */
export type ScenarioResult = { rows: Array<Record<string, unknown>>; summary: Record<string, unknown> };
export type Scenario = { name: string; describe: string; run(): Promise<ScenarioResult> };

export const logger = createLogger('warn');
export const envNumber = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const round = (value: number, digits = 1) => +value.toFixed(digits);

export type Timing = { count: number; seconds: number; perSecond: number; p50: number; p95: number; p99: number };

/** Percentiles (ms) of a list of latencies. */
export function timing(latencies: number[], seconds: number): Timing {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return {
    count: sorted.length,
    seconds: round(seconds, 2),
    perSecond: round(sorted.length / seconds),
    p50: round(at(0.5)),
    p95: round(at(0.95)),
    p99: round(at(0.99)),
  };
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat (Linux, where those
 * fields count clock ticks of 1/100 s); 0 when it cannot be read (the process has exited).
 */
export function processCpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * The CPU seconds the Postgres backends of `database` spend from now until the returned function is
 * called: its connections' server processes, read from /proc, so only for a server on this machine
 * (PGlite runs inside the engine's process, and a remote server's processes are not visible: 0).
 * A backend that starts meanwhile counts whole.
 */
export async function databaseCpuFrom(database: DbHandle): Promise<() => Promise<number>> {
  if (database.kind !== 'postgres') return async () => 0;
  const backends = async () =>
    (
      (await database.db.execute(
        sql`select pid from pg_stat_activity where datname = current_database() and backend_type = 'client backend'`,
      )) as unknown as Array<{ pid: number }>
    ).map((row) => row.pid);
  const before = new Map((await backends()).map((pid) => [pid, processCpuSeconds(pid)]));
  return async () => (await backends()).reduce((sum, pid) => sum + processCpuSeconds(pid) - (before.get(pid) ?? 0), 0);
}

/**
 * CPU milliseconds per item spent while `run` ran, by this process (the bench client, and the
 * engine's API and worker when they run here) with `otherPids` (a worker process), and by the
 * Temporal server when the bench started it. `otherProcessesCpuMs` is the `otherPids` part of
 * `processCpuMs` on its own.
 */
export async function cpuPerItem<T>(
  server: BenchServer,
  items: number,
  run: () => Promise<T>,
  otherPids: number[] = [],
): Promise<{ result: T; processCpuMs: number; serverCpuMs: number; otherProcessesCpuMs?: number }> {
  const others = () => otherPids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0);
  const ownBefore = process.cpuUsage();
  const othersBefore = others();
  const serverBefore = server.process?.pid ? processCpuSeconds(server.process.pid) : 0;
  const result = await run();
  const own = process.cpuUsage(ownBefore);
  const othersMs = (others() - othersBefore) * 1000;
  const serverAfter = server.process?.pid ? processCpuSeconds(server.process.pid) : 0;
  return {
    result,
    processCpuMs: round(((own.user + own.system) / 1000 + othersMs) / items, 2),
    serverCpuMs: round(((serverAfter - serverBefore) * 1000) / items, 2),
    ...(otherPids.length > 0 ? { otherProcessesCpuMs: round(othersMs / items, 2) } : {}),
  };
}

/** Runs `count` tasks, `concurrency` at a time, and times each. */
export async function runConcurrently(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<Timing> {
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
  return timing(latencies, (performance.now() - started) / 1000);
}

export async function poll<T>(probe: () => Promise<T | undefined>, intervalMs = 10): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(intervalMs);
  }
}

/**
 * The Temporal server a scenario runs on: TEMPORAL_ADDRESS (e.g. `npm run prod:local`'s) or a dev server of its own,
 * with its histories in BENCH_TEMPORAL_DB_FILE (a SQLite file) when set, else in memory, and
 * BENCH_TEMPORAL_ARGS (space-separated) added to its command line. Past 50,000 sleeping subscription
 * workflows the in-memory dev server's RSS jumped from ~0.1 to ~3 MB per workflow started (5 to 22 GiB
 * in six minutes): these are the knobs to bound it (its history cache, say; GOMEMLIMIT passes through
 * the environment).
 */
export type BenchServer = Pick<DevServer, 'address' | 'stop'> & { process?: DevServer['process'] };

export async function startBenchServer(): Promise<BenchServer> {
  const existing = process.env.TEMPORAL_ADDRESS || undefined;
  if (existing) return { address: existing, stop: async () => {} };
  const binary = ensureTemporalCli({ cliPath: process.env.TEMPORAL_CLI_PATH || undefined });
  const logFile = process.env.BENCH_TEMPORAL_LOG || undefined;
  return startDevServer({
    binary,
    port: 17000 + Math.floor(Math.random() * 2000),
    namespace: 'default',
    // The dev server keeps its histories in memory unless given a file: tens of thousands of runs need one.
    dbFile: process.env.BENCH_TEMPORAL_DB_FILE || undefined,
    extraArgs: (process.env.BENCH_TEMPORAL_ARGS ?? '').split(' ').filter(Boolean),
    // BENCH_TEMPORAL_LOG keeps what the dev server prints (a crash's last words) in a file.
    log: logFile ? (text) => appendFileSync(logFile, text) : undefined,
  });
}

/**
 * The bench's database: with DATABASE_URL, a database of its own created on that server (and
 * dropped by `drop`); else an embedded PGlite in a temporary folder.
 */
export async function openBenchDatabase(options: { name: string; maxConnections?: number; keep?: boolean }) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'poe-bench-'));
  const serverUrl = process.env.DATABASE_URL || undefined;
  if (!serverUrl) {
    const database = await openDatabase({ dataDir, maxConnections: options.maxConnections });
    await database.migrate();
    await seedCatalog(database.db);
    return { database, url: undefined, created: true, drop: () => database.close() };
  }
  const admin = await openDatabase({ databaseUrl: serverUrl, dataDir, maxConnections: 1 });
  const [existing] = (await admin.db.execute(
    sql`select 1 as present from pg_database where datname = ${options.name}`,
  )) as unknown as Array<{ present: number }>;
  if (!existing) await admin.db.execute(sql.raw(`create database ${options.name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${options.name}`;
  const database = await openDatabase({
    databaseUrl: url.toString(),
    dataDir,
    maxConnections: options.maxConnections,
    applicationName: 'partner-onboarding-bench',
  });
  await database.migrate();
  await seedCatalog(database.db);
  return {
    database,
    url: url.toString(),
    created: !existing,
    async drop() {
      await database.close();
      if (!options.keep) await admin.db.execute(sql.raw(`drop database if exists ${options.name} with (force)`));
      await admin.close();
    },
  };
}

/**
 * The engine with every limit the bench would hit raised through configuration — the same
 * variables an operator would set — never by changing a default.
 */
export function benchConfig(server: BenchServer, port: number, env: Record<string, string> = {}): RuntimeConfig {
  return requireSecrets(
    loadConfig({
      PORT: String(port),
      OPERATOR_API_KEY: 'bench-operator-key-0123456789abcdef',
      ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_TASK_QUEUE: `bench-${randomBytes(3).toString('hex')}`,
      LOG_LEVEL: 'warn',
      API_RATE_LIMIT_PER_MINUTE: '1000000',
      LINK_RATE_LIMIT_PER_MINUTE: '100000',
      // As in production: checking every reply against its schema is a test-time drift check.
      API_CHECK_REPLIES: 'false',
      ...pick(process.env, /^(WORKER_|DATABASE_POOL_)/),
      ...env,
    }),
  );
}

function pick(env: NodeJS.ProcessEnv, pattern: RegExp): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => pattern.test(entry[0]) && entry[1] !== undefined),
  );
}

export type BenchEngine = Engine & { url: string; call: Caller };
export type Caller = (
  method: string,
  pathname: string,
  body?: unknown,
  key?: string,
) => Promise<{ status: number; body: any }>;

export async function startBenchEngine(
  options: Omit<EngineOptions, 'logger' | 'listenPort'> & { database: DbHandle },
): Promise<BenchEngine> {
  const engine = await startEngine({ ...options, logger, listenPort: options.config.port });
  const url = engine.url ?? `http://127.0.0.1:${options.config.port}`;
  return { ...engine, url, call: httpCaller(url) };
}

/**
 * One of the engine's entry points (`npm run api`, `npm run worker`) as a child process, as deployed:
 * the bench's configuration through the environment, stdout piped (the caller reads or discards it),
 * stderr inherited. BENCH_NODE_ARGS (space-separated) go to its `node` first, e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the worker (Node refuses `--cpu-prof` in NODE_OPTIONS).
 */
export function spawnEngineProcess(
  entry: 'api' | 'worker',
  config: RuntimeConfig,
  databaseUrl: string,
  env: Record<string, string> = {},
): ChildProcess {
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return spawn(process.execPath, [...engineNodeArgs, ...nodeArgs, '--import', 'tsx', `src/main/${entry}.ts`], {
    cwd: path.resolve(import.meta.dirname, '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(config.port),
      TEMPORAL_ADDRESS: config.temporal.address,
      TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
      OPERATOR_API_KEY: config.operatorApiKey,
      ENCRYPTION_KEY: config.encryption.key.toString('base64'),
      API_RATE_LIMIT_PER_MINUTE: String(config.apiRateLimitPerMinute),
      LINK_RATE_LIMIT_PER_MINUTE: String(config.linkRateLimitPerMinute),
      API_CHECK_REPLIES: String(config.checkReplies),
      ...(config.mail.smtpUrl ? { SMTP_URL: config.mail.smtpUrl } : {}),
      LOG_LEVEL: 'warn',
      ...env,
    },
  });
}

/**
 * `npm run api` as a process of its own, its clients (this bench) in another, as in production:
 * resolves once it answers /healthz; `call` reaches it over HTTP like startBenchEngine's.
 */
export async function startApiProcess(config: RuntimeConfig, databaseUrl: string) {
  const child = spawnEngineProcess('api', config, databaseUrl);
  child.stdout!.resume();
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`the API process exited with ${code}`))),
  );
  const url = `http://127.0.0.1:${config.port}`;
  await Promise.race([
    exited,
    poll(
      () =>
        fetch(`${url}/healthz`).then(
          (response) => (response.ok ? true : undefined),
          () => undefined,
        ),
      200,
    ),
  ]);
  return {
    process: child,
    url,
    call: httpCaller(url),
    async stop() {
      child.kill('SIGTERM');
      await exited.catch(() => {});
    },
  };
}

/**
 * Requests through `node:http` on keep-alive sockets. Not `fetch`: the bench's client shares a process
 * (and its garbage collector) with the API it measures by default, and undici's fetch made ~60 % more
 * young-generation garbage than the API's own reads; its collections landed in the API's latencies
 * (`GET /v1/customers/:id` p99 8.5 ms through fetch, 5.9 through node:http, same run).
 */
function httpCaller(url: string): Caller {
  const agent = new http.Agent({ keepAlive: true });
  const { hostname, port } = new URL(url);
  const call: Caller = (method, pathname, body, key) =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const request = http.request(
        {
          agent,
          hostname,
          port,
          method,
          path: pathname,
          headers: {
            'content-type': 'application/json',
            ...(payload === undefined ? {} : { 'content-length': Buffer.byteLength(payload) }),
            ...(key ? { authorization: `Bearer ${key}` } : {}),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              // An HTML page or plain text: returned as it came.
            }
            resolve({ status: response.statusCode ?? 0, body: parsed as any });
          });
        },
      );
      request.on('error', (error: NodeJS.ErrnoException) => {
        // A kept socket the server closed as idle just as this request went out on it (its
        // keepAliveTimeout raced the agent's): sent again once on a new socket, as Node's docs advise
        // for `reusedSocket`. A bench run died of this once in eleven (`socket hang up`).
        if (request.reusedSocket && error.code === 'ECONNRESET') resolve(call(method, pathname, body, key));
        else reject(error);
      });
      request.end(payload);
    });
  return call;
}

export const freePort = () => 19000 + Math.floor(Math.random() * 2000);
