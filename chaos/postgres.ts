import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A private Postgres server from the Debian packages (/usr/lib/postgresql/<v>/bin), in its own
 * directory and port, so the chaos run can stop it under the application without touching any
 * other server. The server refuses to run as root: as root, every command runs as `postgres`.
 */
export type PrivatePostgres = { url: string; stop(): Promise<void>; start(): Promise<void>; destroy(): void };

function postgresBin(): string {
  if (process.env.CHAOS_PG_BIN) return process.env.CHAOS_PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = readdirSync(root).sort((a, b) => Number(a) - Number(b));
  if (versions.length === 0)
    throw new Error('no Postgres server under /usr/lib/postgresql (apt-get install postgresql)');
  return path.join(root, versions.at(-1)!, 'bin');
}

/** The command line to run `binary args` as the postgres user (as is, when not root). */
function asPostgres(binary: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [binary, args];
  const quoted = [binary, ...args].map((part) => `'${part.replace(/'/g, `'\\''`)}'`).join(' ');
  return ['su', ['postgres', '-s', '/bin/sh', '-c', quoted]];
}
const runSync = (command: [string, string[]]) => execFileSync(command[0], command[1], { stdio: 'pipe' });
const run = async (command: [string, string[]]) => {
  await promisify(execFile)(command[0], command[1]);
};

export function startPrivatePostgres(port: number): PrivatePostgres {
  const bin = postgresBin();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chaos-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const data = path.join(dir, 'data');
  runSync(asPostgres(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']));
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off`;
  const start = asPostgres(path.join(bin, 'pg_ctl'), [
    '-D',
    data,
    '-o',
    options,
    '-l',
    path.join(dir, 'log'),
    '-w',
    'start',
  ]);
  runSync(start);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: () => run(start),
    /** As a crash: no checkpoint, every connection dropped. */
    stop: () => run(asPostgres(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop'])),
    destroy() {
      try {
        runSync(asPostgres(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', 'stop']));
      } catch {
        // Not running.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
