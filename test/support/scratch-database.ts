import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

/**
 * A database of the test's own on the run's Postgres server, for tests that need a schema state
 * of their own (an older migration, a large seed).
 */
export async function createScratchDatabase(
  runDatabaseUrl: string,
  label: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `poe_${label}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(runDatabaseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(runDatabaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
