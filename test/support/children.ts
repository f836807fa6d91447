import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll } from 'vitest';
import { CONFIG_VARIABLES as APPLICATION_VARIABLES } from '../../src/config';
import { LOCAL_CONFIG_VARIABLES } from '../../src/prod/local-config';
import { engineNodeArgs } from '../../src/main/node-args';

/**
 * The product's processes as a test starts them: each entry point a child process started with
 * `node --import tsx`, exactly as the package.json scripts do, in its own process group; afterAll of the importing
 * test file kills whatever is left.
 */

const root = path.resolve(import.meta.dirname, '../..');

/** Every variable src/config.ts and the prod:local launcher read: children get only what a test gives them. */
const CONFIG_VARIABLES = new Set<string>([...APPLICATION_VARIABLES, ...LOCAL_CONFIG_VARIABLES]);

export function childEnv(settings: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CONFIG_VARIABLES) delete env[name];
  // vitest's own markers: the child is a plain `npm start` / `npm run …`, not a test process.
  for (const name of ['VITEST', 'VITEST_MODE', 'VITEST_POOL_ID', 'VITEST_WORKER_ID', 'TEST', 'NODE_ENV'])
    delete env[name];
  for (const [name, value] of Object.entries(settings)) if (value !== undefined) env[name] = value;
  return env;
}

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

export type Child = {
  name: string;
  process: ChildProcess;
  pid: number;
  output(): string;
  exited: Promise<Exit>;
  /** Resolves with the first match of the pattern in stdout+stderr; rejects if the child exits first. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Signal, then wait for the exit (SIGKILL of the whole group after timeoutMs, reported as a timeout). */
  stop(signal: NodeJS.Signals, options?: { group?: boolean; timeoutMs?: number }): Promise<Exit & { ms: number }>;
};

const children: Child[] = [];

/** Kills a child's whole process group (its node, the Temporal dev server) if it is still there. */
function killGroup(child: Child) {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

afterAll(async () => {
  for (const child of children) killGroup(child);
  await Promise.all(
    children.map((child) => Promise.race([child.exited, new Promise((resolve) => setTimeout(resolve, 5_000))])),
  );
});

export function tail(text: string, lines = 40) {
  return text.split('\n').slice(-lines).join('\n');
}

/**
 * `node --import tsx src/main/<entry>.ts` in its own process group, so afterAll can kill everything it
 * started. Not the tsx CLI: it relays signals to its child and SIGKILLs it when the child does not
 * acknowledge within 30 ms, which a loaded machine misses (Ctrl-C then ends in exit code 130).
 */
export function startEntry(entry: 'dev' | 'api' | 'worker', env: NodeJS.ProcessEnv, name: string = entry): Child {
  return startCommand(process.execPath, [...engineNodeArgs, '--import', 'tsx', `src/main/${entry}.ts`], env, name);
}

/** `npm run <script>` in its own process group, as an operator types it in a terminal. */
export function startScript(script: string, env: NodeJS.ProcessEnv, name: string = script): Child {
  return startCommand('npm', ['run', '--silent', script], env, name);
}

function startCommand(command: string, args: string[], env: NodeJS.ProcessEnv, name: string): Child {
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<Exit>((resolve) => {
    if (child.exitCode !== null) resolve({ code: child.exitCode, signal: null });
    // 'exit' can come before the last output is read: wait for the pipes to close (bounded, as a
    // grandchild that outlives the process would hold them open).
    child.once('exit', (code, signal) => {
      const done = () => resolve({ code, signal });
      child.once('close', done);
      setTimeout(done, 2_000).unref();
    });
    child.once('error', () => resolve({ code: -1, signal: null }));
  });
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const handle: Child = {
    name,
    process: child,
    pid: child.pid!,
    output: () => output,
    exited,
    async waitForOutput(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = output.match(pattern);
        if (match) return match;
        if (hasExited) throw new Error(`${name} exited before printing ${pattern}:\n${tail(output)}`);
        if (Date.now() > deadline)
          throw new Error(`${name} did not print ${pattern} within ${timeoutMs} ms:\n${tail(output)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stop(signal, options = {}) {
      const started = Date.now();
      const timeoutMs = options.timeoutMs ?? 30_000;
      process.kill(options.group ? -child.pid! : child.pid!, signal);
      let timer: NodeJS.Timeout | undefined;
      const result = await Promise.race([
        exited,
        new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (result === 'timeout') {
        killGroup(handle);
        throw new Error(`${name} did not exit within ${timeoutMs} ms of ${signal}:\n${tail(output)}`);
      }
      return { ...result, ms: Date.now() - started };
    },
  };
  children.push(handle);
  return handle;
}

/** Pids of running (not zombie) processes whose command line contains every fragment; Linux /proc. */
export function processesMatching(fragments: string[]): number[] {
  if (!existsSync('/proc')) return [];
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const state = /\)\s+(\S)/.exec(readFileSync(`/proc/${entry}/stat`, 'utf8'))?.[1];
      if (state !== 'Z' && fragments.every((fragment) => cmdline.includes(fragment))) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** GET until the answer is what we want (a server that has just printed its banner may still be warming up). */
export async function pollStatus(
  url: string,
  accept: (status: number) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      await response.arrayBuffer();
      if (accept(response.status)) return response.status;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = `${(error as Error).message} ${((error as Error).cause as Error | undefined)?.message ?? ''}`;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} at ${url} (last: ${last})`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export const STARTUP_MS = 90_000;
