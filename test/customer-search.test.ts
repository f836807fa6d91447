import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase, type DbHandle } from '../src/db/client';
import { searchWordsQuery } from '../src/db/queries/customer-search';
import { listCustomers } from '../src/db/queries/customers';
import { customers, partners } from '../src/db/schema';
import { createScratchDatabase } from './support/scratch-database';

/**
 * `?q=` finds candidates through the word index when q holds whole words. That condition must only
 * ever narrow the search to what ILIKE would match anyway: these tests compare it with a bare ILIKE
 * over names and domains built to tempt it wrong (words cut short, digits and letters mixed,
 * accents, punctuation, the parser's odd tokens such as `1e5x`).
 */
describe('the words a search implies', () => {
  it.each([
    ['tailspin', undefined],
    ['Tailspin Toys', 'toys:*'],
    [' Tailspin Toys', 'tailspin & toys:*'],
    ['Company 123456 ', '123456'],
    ['pany 1234', '1234:*'],
    ['a-b.c', 'b & c:*'],
    ['x 1e5x y', '1e5x & y:*'],
    ['x 1e5x', undefined],
    [' josé ltd', 'jos:* & ltd:*'],
    ['é123 x', 'x:*'],
    ['%_ 50%', '50'],
    [' a a a ', 'a'],
  ])('%j → %j', (q, words) => {
    expect(searchWordsQuery(q)).toBe(words);
  });
});

const runDatabaseUrl = inject('databaseUrl');

describe.skipIf(!runDatabaseUrl)('?q= against a bare ILIKE', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let database: DbHandle;
  let providerId: string;
  const rows: Array<{ name: string; domain: string }> = [];

  const pieces = [
    'Company',
    'pany',
    'COM',
    '1e5',
    '1e5x',
    'x1',
    '12',
    '123',
    'José',
    'JOSÉ',
    'ñandú',
    'Tech',
    'ab12cd',
    'ß',
    'İ',
    '0x1f',
  ];
  const separators = [' ', '-', '.', ', ', '', '_', '%', ' & ', '  '];
  const text = fc
    .array(fc.tuple(fc.constantFrom(...pieces), fc.constantFrom(...separators)), { minLength: 1, maxLength: 5 })
    .map(
      (parts) =>
        parts
          .map(([piece, separator]) => piece + separator)
          .join('')
          .trim() || 'x',
    );

  beforeAll(async () => {
    scratch = await createScratchDatabase(runDatabaseUrl, 'search');
    database = await openDatabase({ databaseUrl: scratch.url, dataDir: os.tmpdir(), maxConnections: 2 });
    await database.migrate();
    const [provider] = await database.db
      .insert(partners)
      .values({
        kind: 'provider',
        partnerId: '7000000001',
        name: 'P',
        email: 'p@example.test',
        country: 'ES',
        apiKeyHash: 'search-test',
      })
      .returning({ id: partners.id });
    providerId = provider!.id;
    const samples = fc.sample(fc.tuple(text, text), { numRuns: 400, seed: 7 });
    samples.forEach(([name, domainWords], i) => rows.push({ name, domain: `${domainWords}-d${i}.onmicrosoft.com` }));
    await database.db.insert(customers).values(
      rows.map((row, i) => ({
        id: randomUUID(),
        providerId,
        name: row.name,
        domainPrefix: `d${i}`,
        domain: row.domain,
        country: 'ES',
        address: { line1: 'Calle 1', city: 'Madrid', postalCode: '28001' },
        contact: { firstName: 'Ana', lastName: 'Ruiz', email: 'ana@example.test' },
        status: 'active' as const,
      })),
    );
  }, 60_000);
  afterAll(async () => {
    await database?.close();
    await scratch?.drop();
  });

  async function bareIlike(q: string): Promise<string[]> {
    const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const found = (await database.db.execute(
      sql`select id from customers where provider_id = ${providerId} and (name ilike ${pattern} or domain ilike ${pattern}) order by id`,
    )) as unknown as Array<{ id: string }>;
    return found.map((row) => row.id);
  }
  const searched = async (q: string) =>
    (await listCustomers(database.db, { scope: { role: 'provider', partnerId: providerId }, q, limit: 1000 })).items
      .map((row) => row.id)
      .sort();

  it("plans no parallel query on the engine's connections (starting workers costs more than a search reads)", async () => {
    const [setting] = (await database.db.execute(sql`show max_parallel_workers_per_gather`)) as unknown as Array<{
      max_parallel_workers_per_gather: string;
    }>;
    expect(setting!.max_parallel_workers_per_gather).toBe('0');
  });

  it('finds exactly what ILIKE finds, for any piece of a name or domain and for made-up searches', async () => {
    // A piece of a stored name or domain, cut anywhere, or a search made of the same pieces.
    const cut = fc
      .tuple(fc.nat(rows.length - 1), fc.boolean(), fc.nat(40), fc.nat(40))
      .map(([i, inName, from, length]) => {
        const source = inName ? rows[i]!.name : rows[i]!.domain;
        const start = from % source.length;
        return source.slice(start, start + 1 + (length % (source.length - start)));
      });
    let withWords = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          cut,
          text,
          text.map((t) => ` ${t} `),
        ),
        async (q) => {
          if (searchWordsQuery(q)) withWords += 1;
          expect(await searched(q)).toEqual(await bareIlike(q));
        },
      ),
      { numRuns: 400, seed: 11 },
    );
    // The word index was exercised, not only the trigram path.
    expect(withWords).toBeGreaterThan(100);
  });
});
