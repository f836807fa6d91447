import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ProcessSpec } from './supervisor';

/** The newest Debian Postgres server (`/usr/lib/postgresql/<major>/bin`), or undefined when none is installed. */
export function findPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((entry) => existsSync(path.join(root, entry, 'bin', 'initdb')))
    .sort((a, b) => Number(a) - Number(b));
  const newest = majors.at(-1);
  return newest ? path.join(root, newest, 'bin') : undefined;
}

/** Postgres refuses to run as root: as root, its processes run as the `postgres` system user. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('postgres:'));
  if (!line) throw new Error('running as root, but there is no postgres system user to run the Postgres server as');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export type LocalPostgres = { bin: string; dataDir: string; port: number };

/**
 * Creates the cluster in dataDir once (`initdb`, trust authentication on loopback, user postgres);
 * an existing cluster is kept, so a restart finds its data again.
 */
export function initPostgres(pg: LocalPostgres): void {
  const user = runAs();
  mkdirSync(pg.dataDir, { recursive: true, mode: 0o700 });
  // The server's user must be able to reach its directory (the topology's own directory, e.g. a 0700 mkdtemp).
  if (user) chmodSync(path.dirname(pg.dataDir), 0o755);
  if (user) chownSync(pg.dataDir, user.uid, user.gid);
  if (existsSync(path.join(pg.dataDir, 'PG_VERSION'))) return;
  execFileSync(path.join(pg.bin, 'initdb'), ['-D', pg.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    ...user,
  });
}

/** The Postgres server in the foreground (its own log on stderr), listening on loopback only. */
export function postgresProcess(pg: LocalPostgres, name: string): ProcessSpec {
  return {
    name,
    command: path.join(pg.bin, 'postgres'),
    args: [
      '-D',
      pg.dataDir,
      '-p',
      String(pg.port),
      '-k',
      pg.dataDir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=300',
    ],
    ...runAs(),
    // SIGINT is Postgres's "fast" shutdown: open transactions roll back, the data is flushed.
    stopSignal: 'SIGINT',
  };
}

/** postgres:// URL of one database on the local server (trust authentication, no password). */
export function postgresUrl(pg: Pick<LocalPostgres, 'port'>, database = 'postgres'): string {
  return `postgres://postgres@127.0.0.1:${pg.port}/${database}`;
}
