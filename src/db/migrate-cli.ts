import { loadConfig } from '../config';
import { openDatabase } from './client';
import { seedCatalog } from './seed';

/** `npm run db:migrate`: applies the committed migrations and refreshes the catalog from its fixture. */
const config = loadConfig();
const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, maxConnections: 1 });
const indexes = await database.migrate();
const offers = await seedCatalog(database.db);
await database.close();
console.log(`migrations applied (${database.kind}); catalog: ${offers} offers`);
if (indexes.built.length > 0) console.log(`indexes built concurrently: ${indexes.built.join(', ')}`);
for (const index of indexes.deferred) console.log(`index ${index.name} built inside the migration: ${index.reason}`);
