import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { allSearchAttributes } from '../../workflows/search-attributes';
import { waitForNamespace } from './connection';

/** A cold start on a loaded two-core machine (a CI run with every test file going) can take a minute. */
const START_TIMEOUT_MS = 120_000;

export type DevServer = { address: string; uiUrl?: string; process: ChildProcess; stop(): Promise<void> };

export type DevServerOptions = {
  binary: string;
  port: number;
  /** Omit for a headless server (tests). */
  uiPort?: number;
  namespace: string;
  /** Persist history in this SQLite file; omit for an in-memory server. */
  dbFile?: string;
  codecEndpoint?: string;
  uiCorsOrigin?: string;
  /** More `temporal server start-dev` arguments, e.g. `--dynamic-config-value history.hostLevelCacheMaxSize=…`. */
  extraArgs?: readonly string[];
  /** Receives everything the server prints, as it prints it. */
  log?: (text: string) => void;
};

/** True when something listens on the loopback port. */
export async function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Dynamic config key: re-read search attributes from the database on every use (the CLI's dev server sets it). */
const searchAttributesCacheKey = 'system.forceSearchAttributesCacheRefreshOnRead';

/** The `temporal` command line of a dev server. */
export function devServerArgs(options: DevServerOptions): string[] {
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--namespace',
    options.namespace,
    '--log-level',
    'warn',
  ];
  for (const key of allSearchAttributes) args.push('--search-attribute', `${key.name}=Keyword`);
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  if (options.uiPort) {
    args.push('--ui-port', String(options.uiPort));
    if (options.codecEndpoint) args.push('--ui-codec-endpoint', options.codecEndpoint);
  } else {
    args.push('--headless');
  }
  const extra = options.extraArgs ?? [];
  // The CLI's dev server re-reads the search attributes from its database on every use (so that one
  // registered a moment ago is seen at once); a production server reads them from a cache. Ours are
  // all registered above, at the server's start, so it can use the cache: 18 reads of SQLite less,
  // about 2 ms of the server's CPU, per invitation (bench `invitations`, README *Measured*). An
  // explicit value wins.
  if (!extra.some((arg) => arg.startsWith(`${searchAttributesCacheKey}=`)))
    args.push('--dynamic-config-value', `${searchAttributesCacheKey}=false`);
  args.push(...extra);
  return args;
}

/** Starts `temporal server start-dev` with our search attributes registered, and waits until it serves the namespace. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  if (await portAnswers(options.port)) {
    throw new Error(
      `port ${options.port} is already in use; set TEMPORAL_DEV_PORT, or TEMPORAL_ADDRESS to use that server`,
    );
  }
  if (options.dbFile) mkdirSync(path.dirname(options.dbFile), { recursive: true });
  const child = spawn(options.binary, devServerArgs(options), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
    options.log?.(chunk.toString());
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await portAnswers(options.port))) {
    if (child.exitCode !== null) throw new Error(`temporal server exited (${child.exitCode}):\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`temporal server did not listen within ${START_TIMEOUT_MS / 1000} s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const address = `127.0.0.1:${options.port}`;
  const died = exited.then((code) => {
    throw new Error(`temporal server exited (${code}):\n${output}`);
  });
  died.catch(() => {}); // only the race below reads it; a later exit (stop) is not an error
  try {
    await Promise.race([waitForNamespace(address, options.namespace, Math.max(deadline - Date.now(), 10_000)), died]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    address,
    uiUrl: options.uiPort ? `http://localhost:${options.uiPort}` : undefined,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
