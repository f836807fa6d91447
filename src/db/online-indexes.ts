import { readMigrationFiles } from 'drizzle-orm/migrator';
import type { Sql } from 'postgres';

/**
 * Drizzle's migrator runs every pending migration inside one transaction, where
 * `CREATE INDEX CONCURRENTLY` is refused, and a plain `CREATE INDEX` holds a SHARE lock that blocks
 * every write to the table until the index is built — minutes on a table of a million rows.
 *
 * So on a Postgres server, before the migrator runs, this step builds the pending migrations'
 * indexes on tables that already exist with `CREATE INDEX CONCURRENTLY`, outside any transaction
 * (writes carry on meanwhile). The convention it relies on: a migration writes such an index as
 * `CREATE [UNIQUE] INDEX IF NOT EXISTS "name" ON "table" …`, so that the same statement, when the
 * migrator reaches it in its transaction, finds the index built and does nothing. Extensions the
 * indexes need (`CREATE EXTENSION IF NOT EXISTS`) are created first, for the same reason.
 *
 * Where this step does not apply, the migration's own statement builds the index: PGlite (one
 * embedded connection, nothing to lock out), a fresh database (its tables are created by the same
 * transaction and are empty), or an index whose concurrent build failed — a failed build leaves
 * an INVALID index behind, which is dropped here first so the transactional statement can build it.
 */

export type OnlineStatement =
  | { kind: 'extension'; sql: string }
  | { kind: 'index'; name: string; table: string; sql: string };

export type OnlineIndexReport = {
  /** Indexes built concurrently by this step, by name. */
  built: string[];
  /** Indexes left to the migration's transaction, with the reason. */
  deferred: Array<{ name: string; reason: string }>;
};

const indexPattern =
  /^CREATE\s+(UNIQUE\s+)?INDEX\s+IF\s+NOT\s+EXISTS\s+"?(\w+)"?\s+ON\s+(?:ONLY\s+)?(?:"?public"?\.)?"?(\w+)"?/i;
const extensionPattern = /^CREATE\s+EXTENSION\s+IF\s+NOT\s+EXISTS\s+/i;

/** A migration statement without its `--` comment lines and surrounding blanks. */
function bare(statement: string): string {
  return statement
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n')
    .trim();
}

/** The statements of one migration that can run outside its transaction, indexes rewritten as CONCURRENTLY. */
export function onlineStatements(statements: string[]): OnlineStatement[] {
  const result: OnlineStatement[] = [];
  for (const statement of statements.map(bare)) {
    if (extensionPattern.test(statement)) {
      result.push({ kind: 'extension', sql: statement });
      continue;
    }
    const index = indexPattern.exec(statement);
    if (index) {
      result.push({
        kind: 'index',
        name: index[2]!,
        table: index[3]!,
        sql: statement.replace(/\bINDEX\s+IF\s+NOT\s+EXISTS\b/i, 'INDEX CONCURRENTLY IF NOT EXISTS'),
      });
    }
  }
  return result;
}

/** Created time of the last migration applied, or null on a database drizzle has never migrated. */
async function lastAppliedMigration(sql: Sql): Promise<number | null> {
  const [table] = await sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`;
  if (!table?.present) return null;
  const [last] = await sql`select created_at from drizzle.__drizzle_migrations order by created_at desc limit 1`;
  return last ? Number(last.created_at) : null;
}

async function indexValidity(sql: Sql, name: string): Promise<'missing' | 'valid' | 'invalid'> {
  const [row] = await sql`
    select i.indisvalid as valid from pg_index i join pg_class c on c.oid = i.indexrelid
    where c.relname = ${name} and c.relnamespace = 'public'::regnamespace`;
  return !row ? 'missing' : row.valid ? 'valid' : 'invalid';
}

/** Builds the pending migrations' indexes concurrently; see the module comment. Call before drizzle's migrate(). */
export async function buildIndexesOnline(sql: Sql, migrationsFolder: string): Promise<OnlineIndexReport> {
  const report: OnlineIndexReport = { built: [], deferred: [] };
  const last = await lastAppliedMigration(sql);
  if (last === null) return report;
  const pending = readMigrationFiles({ migrationsFolder }).filter((migration) => migration.folderMillis > last);
  for (const statement of pending.flatMap((migration) => onlineStatements(migration.sql))) {
    if (statement.kind === 'extension') {
      await sql.unsafe(statement.sql);
      continue;
    }
    const [table] = await sql`select to_regclass(${`public."${statement.table}"`}) is not null as present`;
    if (!table?.present) {
      report.deferred.push({
        name: statement.name,
        reason: `table ${statement.table} is created by the migration itself`,
      });
      continue;
    }
    const before = await indexValidity(sql, statement.name);
    if (before === 'valid') continue;
    if (before === 'invalid') await sql.unsafe(`DROP INDEX CONCURRENTLY IF EXISTS "${statement.name}"`);
    try {
      await sql.unsafe(statement.sql);
      report.built.push(statement.name);
    } catch (error) {
      if ((await indexValidity(sql, statement.name)) === 'invalid')
        await sql.unsafe(`DROP INDEX CONCURRENTLY IF EXISTS "${statement.name}"`);
      report.deferred.push({ name: statement.name, reason: (error as Error).message });
    }
  }
  return report;
}
