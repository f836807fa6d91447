import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * `npm run fuzz`: starts the whole system in dev mode (embedded Postgres, its own Temporal dev
 * server), then runs Schemathesis against its /openapi.json — every check, every phase including
 * the stateful one — once with the operator key and once with the demo provider's key. It fails
 * when any answer was a 5xx or the engine logged an unhandled error, whatever else Schemathesis
 * reports (its other findings are printed for reading, not counted).
 *
 *   FUZZ_MAX_TIME=120 npm run fuzz     time budget per key, in seconds (default 90)
 *   FUZZ_WORKERS=2                     Schemathesis workers (default 2)
 */

export const SCHEMATHESIS_VERSION = '4.32.5';

const root = path.resolve(import.meta.dirname, '..');
const venv = path.join(root, '.tools', `schemathesis-${SCHEMATHESIS_VERSION}`);
const st = path.join(venv, 'bin', 'st');

/** Installs the pinned Schemathesis from PyPI into its own virtualenv under .tools, once. */
function ensureSchemathesis(): string {
  const works = () => existsSync(st) && spawnSync(st, ['--version'], { stdio: 'ignore' }).status === 0;
  if (works()) return st;
  console.error(`Installing Schemathesis ${SCHEMATHESIS_VERSION} from PyPI into .tools/`);
  mkdirSync(path.dirname(venv), { recursive: true });
  const steps: string[][] = [
    ['python3', '-m', 'venv', venv],
    [
      path.join(venv, 'bin', 'pip'),
      'install',
      '--quiet',
      '--disable-pip-version-check',
      `schemathesis==${SCHEMATHESIS_VERSION}`,
    ],
  ];
  for (const [command, ...args] of steps) {
    const result = spawnSync(command!, args, { stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed`);
  }
  if (!works()) throw new Error('Schemathesis did not install');
  return st;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ready = await fetch(`${url}/readyz`).then(
      (reply) => reply.ok,
      () => false,
    );
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the engine at ${url} did not become ready within ${timeoutMs / 1000} s`);
}

/** What the engine's own request log says: answers by status class, and unhandled errors. */
function tally(logFile: string) {
  const counts = {
    requests: 0,
    byStatus: {} as Record<string, number>,
    serverErrors: [] as string[],
    unhandled: [] as string[],
  };
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: { msg?: string; status?: number; method?: string; route?: string | null };
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    if (entry.msg === 'unhandled error') counts.unhandled.push(line);
    if (entry.msg !== 'request' || typeof entry.status !== 'number') continue;
    counts.requests += 1;
    counts.byStatus[entry.status] = (counts.byStatus[entry.status] ?? 0) + 1;
    if (entry.status >= 500) counts.serverErrors.push(`${entry.status} ${entry.method} ${entry.route ?? '(no route)'}`);
  }
  return counts;
}

async function main() {
  const binary = ensureSchemathesis();
  const maxTime = Number(process.env.FUZZ_MAX_TIME ?? 90);
  const workers = process.env.FUZZ_WORKERS ?? '2';
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'poe-fuzz-'));
  const logFile = path.join(dataDir, 'engine.log');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    DATA_DIR: dataDir,
    TEMPORAL_DEV_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    // The fuzzer sends thousands of requests a minute from one address with one key.
    API_RATE_LIMIT_PER_MINUTE: '1000000',
    LINK_RATE_LIMIT_PER_MINUTE: '100000',
    LOG_LEVEL: 'info',
  };
  delete env.DATABASE_URL;
  delete env.TEMPORAL_ADDRESS;

  console.log(`fuzz: starting the engine in dev mode on ${url} (log: ${logFile})`);
  // The engine writes its log straight to the file: this process blocks in spawnSync while
  // Schemathesis runs, and a pipe nobody reads would stall the engine once its buffer filled.
  const log = openSync(logFile, 'a');
  const engine = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), ['src/main/dev.ts'], {
    cwd: root,
    env,
    stdio: ['ignore', log, log],
    detached: true,
  });
  closeSync(log);
  let exitCode = 1;
  try {
    await waitUntilReady(url, 180_000);
    const secrets = JSON.parse(readFileSync(path.join(dataDir, 'dev-secrets.json'), 'utf8')) as {
      operatorApiKey: string;
      providerApiKey: string;
    };
    const runs: Array<{ who: string; key: string; status: number | null }> = [];
    for (const [who, key] of [
      ['operator', secrets.operatorApiKey],
      ['provider', secrets.providerApiKey],
    ] as const) {
      console.log(
        `\nfuzz: Schemathesis ${SCHEMATHESIS_VERSION}, all checks and phases, as the ${who}, for ${maxTime} s`,
      );
      const run = spawnSync(
        binary,
        [
          '--config-file',
          path.join(import.meta.dirname, 'schemathesis.toml'),
          'run',
          `${url}/openapi.json`,
          '--checks',
          'all',
          '--phases',
          'examples,coverage,fuzzing,stateful',
          '--max-time',
          String(maxTime),
          '--workers',
          workers,
          '--request-timeout',
          '30',
          '--header',
          `Authorization: Bearer ${key}`,
          '--suppress-health-check',
          'all',
          '--continue-on-failure',
          '--no-color',
          '--output-truncate',
          'true',
        ],
        // Its cache (.schemathesis/) goes to the run's scratch folder, not the checkout.
        { stdio: 'inherit', cwd: dataDir },
      );
      runs.push({ who, key, status: run.status });
    }
    const counts = tally(logFile);
    console.log('\nfuzz: what the engine answered');
    console.log(`  requests          ${counts.requests}`);
    console.log(
      `  by status         ${Object.entries(counts.byStatus)
        .map(([status, count]) => `${status}: ${count}`)
        .join(', ')}`,
    );
    console.log(`  5xx answers       ${counts.serverErrors.length}`);
    console.log(`  unhandled errors  ${counts.unhandled.length}`);
    for (const run of runs)
      console.log(
        `  Schemathesis (${run.who}) exit code ${run.status} (its findings above; only 5xx and unhandled errors fail this command)`,
      );
    console.log(
      JSON.stringify({
        fuzz: {
          requests: counts.requests,
          byStatus: counts.byStatus,
          serverErrors: counts.serverErrors.length,
          unhandledErrors: counts.unhandled.length,
        },
      }),
    );
    for (const line of [...new Set(counts.serverErrors)].slice(0, 20)) console.log(`  5xx: ${line}`);
    for (const line of counts.unhandled.slice(0, 5)) console.log(`  unhandled: ${line.slice(0, 500)}`);
    exitCode = counts.requests > 0 && counts.serverErrors.length === 0 && counts.unhandled.length === 0 ? 0 : 1;
  } finally {
    if (engine.pid) process.kill(-engine.pid, 'SIGINT');
    await new Promise((resolve) => engine.once('exit', resolve));
    if (exitCode === 0 && !process.env.FUZZ_KEEP) rmSync(dataDir, { recursive: true, force: true });
    else console.log(`fuzz: engine log and data kept in ${dataDir}`);
  }
  process.exit(exitCode);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
