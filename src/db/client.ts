import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { buildIndexesOnline, type OnlineIndexReport } from './online-indexes';
import * as schema from './schema';

/** The one database type the code sees, whether Postgres over the network or embedded PGlite. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export type DbHandle = {
  db: Db;
  kind: 'postgres' | 'pglite';
  /**
   * Runs the committed SQL migrations in ./drizzle. On a Postgres server their indexes on existing
   * tables are built CONCURRENTLY first, outside the migration's transaction (see online-indexes.ts).
   */
  migrate(): Promise<OnlineIndexReport>;
  close(): Promise<void>;
};

const migrationsFolder = path.resolve(import.meta.dirname, '../../drizzle');

/** Connects to DATABASE_URL when set, else opens the embedded PGlite database under dataDir. */
export async function openDatabase(options: {
  databaseUrl?: string;
  dataDir: string;
  maxConnections?: number;
  /** Shown in pg_stat_activity, so a DBA can tell the API's connections from the workers'. */
  applicationName?: string;
}): Promise<DbHandle> {
  if (options.databaseUrl) {
    const { default: postgres } = await import('postgres');
    const { drizzle } = await import('drizzle-orm/postgres-js');
    const { migrate } = await import('drizzle-orm/postgres-js/migrator');
    const sql = postgres(options.databaseUrl, {
      max: options.maxConnections ?? 10,
      onnotice: () => {},
      connection: {
        application_name: options.applicationName ?? 'partner-onboarding',
        // Every query here reads a page or a few rows through an index. A parallel plan, which the
        // planner picks when it overestimates a search's rows (`?q=` with a word prefix), spends
        // ~9 ms starting workers to read one row (`?q=Company 223456` at 1M customers: p50 10.3 → 2.1 ms).
        max_parallel_workers_per_gather: '0',
      },
    });
    const db = drizzle(sql, { schema });
    return {
      db: db as unknown as Db,
      kind: 'postgres',
      async migrate() {
        const report = await buildIndexesOnline(sql, migrationsFolder);
        await migrate(db, { migrationsFolder });
        return report;
      },
      close: () => sql.end({ timeout: 5 }),
    };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  // Contrib extensions ship with PGlite but must be loaded here before a migration can CREATE EXTENSION them.
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  const directory = path.resolve(options.dataDir, 'pglite');
  mkdirSync(directory, { recursive: true });
  const client = await PGlite.create(directory, { extensions: { pg_trgm } });
  const db = drizzle(client, { schema });
  return {
    db: db as unknown as Db,
    kind: 'pglite',
    // One embedded connection: nothing to lock out, so the migration builds its indexes itself.
    async migrate() {
      await migrate(db, { migrationsFolder });
      return { built: [], deferred: [] };
    },
    close: () => client.close(),
  };
}

/** A transaction handle; query functions accept either it or the database. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;
