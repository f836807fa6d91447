import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogPath } from '../src/db/seed';
import { OFFER_NOT_IN_CATALOG, OFFERS } from './support/catalog';

describe('the catalog ids tests name (test/support/catalog.ts)', () => {
  const seeded = (JSON.parse(readFileSync(catalogPath, 'utf8')) as Array<{ id: string }>).map((offer) => offer.id);

  it('are exactly the offers the seed loads', () => {
    expect(Object.values(OFFERS).sort()).toEqual([...seeded].sort());
  });

  it('keep the unknown offer unknown', () => {
    expect(seeded).not.toContain(OFFER_NOT_IN_CATALOG);
  });
});
