import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';

/**
 * postgres.js 3.4.9 can write a query to a socket it has already dropped, from a setImmediate, where
 * no caller can catch the TypeError: a dropped connection (a failover, a restart, an idle timeout
 * on a proxy) then crashes the API or worker process (porsager/postgres#1154, #1208; the fixes are
 * not released). `patches/postgres+3.4.9.patch`, applied by `postinstall`, settles such a write as
 * CONNECTION_CLOSED, which the engine retries like any dropped connection.
 */

const root = path.resolve(import.meta.dirname, '..');
const databaseUrl = inject('databaseUrl');

describe('the patched Postgres driver', () => {
  it('is patched for the version installed', () => {
    const installed = JSON.parse(readFileSync(path.join(root, 'node_modules/postgres/package.json'), 'utf8')).version;
    // A new postgres.js needs its own patch, or none once a release carries the fix: either way, a decision.
    expect(readdirSync(path.join(root, 'patches')).filter((name) => name.startsWith('postgres+'))).toEqual([
      `postgres+${installed}.patch`,
    ]);
  });

  it.skipIf(!databaseUrl)(
    'fails a query on a connection Postgres terminated with CONNECTION_CLOSED, and does not crash the process',
    async () => {
      // A process of its own: unpatched, the TypeError is uncaught and the process exits 1.
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', 'test/support/write-after-close.ts', databaseUrl],
        { cwd: root, timeout: 30_000 },
      );
      expect(JSON.parse(stdout.trim())).toEqual({ query: 'CONNECTION_CLOSED', poolAnswers: true });
    },
  );
});
