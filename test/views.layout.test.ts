import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * One view per resource, outside the HTTP layer: `src/views/*` never import from `src/api`, routes
 * never import each other, and no route declares a resource shape of its own (each schema is a view's).
 */
const root = join(__dirname, '..');
const importsOf = (file: string) =>
  [...readFileSync(file, 'utf8').matchAll(/^import[^;]*?from '([^']+)'/gms)].map((match) => match[1]!);
const filesIn = (dir: string) =>
  readdirSync(join(root, dir))
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(root, dir, name));

describe('views and routes', () => {
  it('views import nothing from the HTTP layer or the services', () => {
    const offending = filesIn('src/views').flatMap((file) =>
      importsOf(file)
        .filter((from) => /\/(api|services)(\/|$)/.test(from))
        .map((from) => `${file}: ${from}`),
    );
    expect(offending).toEqual([]);
  });

  it('routes do not import each other', () => {
    const offending = filesIn('src/api/routes').flatMap((file) =>
      importsOf(file)
        .filter((from) => from.startsWith('./'))
        .map((from) => `${file}: ${from}`),
    );
    expect(offending).toEqual([]);
  });

  it('no route declares a resource schema of its own', () => {
    const offending = filesIn('src/api/routes').filter((file) =>
      /^export const \w+Schema\b/m.test(readFileSync(file, 'utf8')),
    );
    expect(offending).toEqual([]);
  });
});
