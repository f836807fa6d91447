import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ApiBuilder } from '../route';
import { stylesheetPath } from '../html';

/** The pages' one stylesheet, read once at start-up. */
const stylesheet = readFileSync(path.resolve(import.meta.dirname, '../assets/style.css'), 'utf8');

export function assetRoutes(api: ApiBuilder) {
  api.route({
    method: 'get',
    path: stylesheetPath,
    summary: 'The stylesheet of the link pages (no external fonts or assets)',
    tag: 'Operations',
    access: 'public',
    responses: { 200: { description: 'CSS', contentType: 'text/css' } },
    handle: async ({ res }) => {
      res.setHeader('cache-control', 'public, max-age=3600');
      return { status: 200, text: stylesheet, contentType: 'text/css; charset=utf-8' };
    },
  });
}
