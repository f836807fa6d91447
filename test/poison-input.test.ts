import { WorkflowUpdateFailedError } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { createApp } from '../src/api/app';
import { errorMiddleware } from '../src/api/errors';
import { partners } from '../src/db/schema';
import { createLogger } from '../src/logger';
import { sha256 } from '../src/security/tokens';
import { declineUpdate } from '../workflows/invitation.messages';
import { declineRelationshipUpdate } from '../workflows/reseller-relationship.messages';
import { createActiveCustomer, partneredPair } from './support/fixtures';
import {
  createTestPartner,
  linkIn,
  mailTo,
  OPERATOR_KEY,
  requester,
  startTestEngine,
  uniqueEmail,
  uniquePartnerId,
  waitFor,
  type TestEngine,
} from './support/harness';
import { onboardingBody } from './support/onboarding.fixtures';

/**
 * Poison input: NUL bytes, control characters, lone surrogates, forged cursors and ids Postgres
 * accepts but RFC 4122 does not. Each must answer a clear 4xx at once, and never wedge a workflow.
 */

let engine: TestEngine;
let logLines: string[];
beforeAll(async () => {
  logLines = [];
  const logger = createLogger('info', { write: (line: string) => void logLines.push(line) });
  engine = await startTestEngine({ logger });
});
afterAll(async () => {
  await engine?.stop();
});

const NUL = 'a\u0000b';

/** The first detail path of a 400, to check that the answer names the field. */
async function refusedField(reply: {
  status: number;
  body: { error: { code: string; details: Array<{ path: string }> } };
}) {
  expect(reply.status).toBe(400);
  expect(reply.body.error.code).toBe('VALIDATION_FAILED');
  return reply.body.error.details.map((detail) => detail.path);
}

describe('a NUL character is a 400 naming the field, never a 500', () => {
  it('on every reproduction of the fuzzing report', async () => {
    const { provider } = await partneredPair(engine);
    const customer = await createActiveCustomer(engine, { providerId: provider.id });
    const partnerBody = {
      kind: 'provider',
      name: NUL,
      email: uniqueEmail(),
      partnerId: uniquePartnerId(),
      country: 'ES',
    };

    expect(
      await refusedField(await engine.request('POST', '/v1/partners', { key: OPERATOR_KEY, body: partnerBody })),
    ).toContain('body.name');
    expect(
      await refusedField(
        await engine.request('PATCH', `/v1/partners/${provider.id}`, { key: OPERATOR_KEY, body: { profile: NUL } }),
      ),
    ).toContain('body.profile');
    expect(
      await refusedField(
        await engine.request('POST', '/v1/invitations', {
          key: provider.apiKey,
          body: { resellerEmail: uniqueEmail(), message: NUL },
        }),
      ),
    ).toContain('body.message');
    expect(
      await refusedField(await engine.request('GET', '/v1/customers?q=a%00b', { key: provider.apiKey })),
    ).toContain('query.q');
    const company = { ...onboardingBody().company, name: NUL };
    expect(
      await refusedField(
        await engine.request('POST', '/v1/customer-onboardings', {
          key: provider.apiKey,
          body: onboardingBody({ company }),
        }),
      ),
    ).toContain('body.company.name');
    const poisonedItem = onboardingBody({ items: [{ offerId: NUL, quantity: 1 }] });
    expect(
      await refusedField(
        await engine.request('POST', '/v1/customer-onboardings', { key: provider.apiKey, body: poisonedItem }),
      ),
    ).toContain('body.items.0.offerId');
    const order = { items: [{ offerId: NUL, quantity: 1 }] };
    expect(
      await refusedField(
        await engine.request('POST', `/v1/customers/${customer.id}/orders`, { key: provider.apiKey, body: order }),
      ),
    ).toContain('body.items.0.offerId');
  });

  it.each([
    ['another C0 control character in a name', 'Contoso\u0007'],
    ['a line break in a name', 'Contoso\nLtd'],
    ['a lone surrogate', 'Contoso \ud800'],
    ['only spaces', '   '],
  ])('refuses %s', async (_label, name) => {
    const body = { kind: 'provider', name, email: uniqueEmail(), partnerId: uniquePartnerId(), country: 'ES' };
    expect(await refusedField(await engine.request('POST', '/v1/partners', { key: OPERATOR_KEY, body }))).toContain(
      'body.name',
    );
  });

  it('keeps tabs and line breaks in free text, and trims names', async () => {
    const body = {
      kind: 'reseller',
      name: '  Fabrikam  ',
      email: uniqueEmail(),
      partnerId: uniquePartnerId(),
      country: 'ES',
      profile: 'Line one\r\n\tLine two',
    };
    const created = await engine.request('POST', '/v1/partners', { key: OPERATOR_KEY, body });
    expect(created.status).toBe(201);
    expect(created.body.partner).toMatchObject({ name: 'Fabrikam', profile: 'Line one\r\n\tLine two' });
  });
});

describe('list cursors are sealed', () => {
  it('answers 400 to a forged cursor, even one whose id is not a UUID, on every list', async () => {
    const { provider } = await partneredPair(engine);
    const customer = await createActiveCustomer(engine, { providerId: provider.id });
    const forged = Buffer.from(JSON.stringify({ createdAt: new Date().toISOString(), id: "x' or 1=1" })).toString(
      'base64url',
    );
    const wellFormed = Buffer.from(
      JSON.stringify({ createdAt: new Date().toISOString(), id: '00000000-0000-4000-8000-000000000000' }),
    ).toString('base64url');
    for (const list of [
      '/v1/customers',
      '/v1/invitations',
      '/v1/partnerships',
      `/v1/customers/${customer.id}/subscriptions`,
      `/v1/customers/${customer.id}/events`,
    ]) {
      for (const cursor of [forged, wellFormed, `${wellFormed}.AAAAAAAAAAAAAAAAAAAAAA`, 'not-a-cursor']) {
        const reply = await engine.request('GET', `${list}?cursor=${encodeURIComponent(cursor)}`, {
          key: provider.apiKey,
        });
        expect(reply.status, `${list} with ${cursor}`).toBe(400);
        expect(reply.body.error.details[0].path).toBe('query.cursor');
      }
    }
  });

  it('follows the cursors it issued', async () => {
    const { provider } = await partneredPair(engine);
    for (let index = 0; index < 3; index += 1) await createActiveCustomer(engine, { providerId: provider.id });
    const first = await engine.request('GET', '/v1/customers?limit=2', { key: provider.apiKey });
    expect(first.body.nextCursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    const second = await engine.request('GET', `/v1/customers?limit=2&cursor=${first.body.nextCursor}`, {
      key: provider.apiKey,
    });
    expect(second.status).toBe(200);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
  });
});

describe('ids that Postgres stores but RFC 4122 does not define', () => {
  it('finds a partner imported with a version-0 UUID', async () => {
    const id = '00000000-0000-0000-0000-00000000abcd';
    await engine.deps.db.insert(partners).values({
      id,
      kind: 'provider',
      partnerId: uniquePartnerId(),
      name: 'Imported Provider',
      email: uniqueEmail(),
      country: 'ES',
      apiKeyHash: sha256(`imported-${Date.now()}`),
    });
    const patched = await engine.request('PATCH', `/v1/partners/${id}`, {
      key: OPERATOR_KEY,
      body: { profile: 'imported' },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.id).toBe(id);
  });
});

describe('a permanent failure inside a link answer never wedges the request', () => {
  it('an invitation: the poisoned decline is refused within seconds, then a clean decline works', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
    const invited = await engine.request('POST', '/v1/invitations', {
      key: provider.apiKey,
      body: { resellerEmail: reseller.email },
    });
    const [mail] = await waitFor(async () => {
      const found = await mailTo(engine, reseller.email);
      return found.length > 0 && found;
    });
    const link = linkIn(mail!.text, '/invitations');

    const edge = await engine.request('POST', `${link.pathname}/decline`, { body: { reason: 'no\u0000thanks' } });
    expect(edge.status).toBe(400);

    // Past the edge (an older API, a direct client): the activity's Postgres error is permanent,
    // so the Update fails at once with a 4xx code and the guard is released.
    const handle = engine.deps.temporal.workflow.getHandle(invited.body.workflowId);
    const refused = await handle
      .executeUpdate(declineUpdate, { args: [{ reason: 'no\u0000thanks' }] })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(JSON.stringify((refused as Error).cause)).not.toContain('thanks');

    const revoke = await engine.request('POST', `/v1/invitations/${invited.body.id}/revoke`, { key: provider.apiKey });
    expect(revoke.status).toBe(200);
    expect(revoke.body.status).toBe('revoked');
  });

  it('a reseller relationship: the same, then the customer declines cleanly', async () => {
    const { provider, reseller } = await partneredPair(engine);
    const customer = await createActiveCustomer(engine, { providerId: provider.id });
    const started = await engine.request('POST', `/v1/customers/${customer.id}/reseller-relationships`, {
      key: provider.apiKey,
      body: { resellerId: reseller.id },
    });
    const mails = await waitFor(async () => {
      const found = await mailTo(engine, customer.contactEmail);
      return found.length > 0 && found;
    });
    const link = linkIn(mails[0]!.text, '/reseller-relationships');
    const handle = engine.deps.temporal.workflow.getHandle(started.body.workflowId);
    const refused = await handle
      .executeUpdate(declineRelationshipUpdate, { args: [{ reason: 'nope\u0000' }] })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);

    const declined = await engine.request('POST', `${link.pathname}/decline`, {
      body: { reason: 'We manage it ourselves' },
    });
    expect(declined.status).toBe(200);
    expect(declined.body.status).toBe('declined');
  });
});

describe('defence in depth: a database refusal that gets past the schemas', () => {
  it('answers 4xx and logs no statement parameters', async () => {
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
    const secretish = 'jane.doe@example.test';
    const app = express();
    app.get('/data', async () => {
      await engine.deps.db.execute(sql`select ${`${secretish}\u0000`}::text`);
    });
    app.get('/constraint', async () => {
      await engine.deps.db.execute(sql`select (${secretish}::text)::int`);
    });
    app.use(errorMiddleware(logger));
    const server = app.listen(0);
    try {
      const { port } = server.address() as { port: number };
      const request = requester(`http://127.0.0.1:${port}`);
      const data = await request('GET', '/data');
      expect(data.status).toBe(400);
      expect(data.body.error.code).toBe('VALIDATION_FAILED');
      const cast = await request('GET', '/constraint');
      expect(cast.status).toBe(400);
    } finally {
      server.close();
    }
    expect(lines.join('\n')).toContain('the database refused a request value');
    expect(lines.join('\n')).not.toContain(secretish);
  });
});

describe('HTTP conformance', () => {
  it('answers 405 with Allow for a method the path does not support', async () => {
    const reply = await engine.request('PUT', '/v1/invitations', { key: OPERATOR_KEY, body: {} });
    expect(reply.status).toBe(405);
    expect(reply.headers.get('allow')).toBe('POST, GET, HEAD');
    expect(reply.body.error.code).toBe('METHOD_NOT_ALLOWED');
    const unknown = await engine.request('PUT', '/v1/nothing-here', { key: OPERATOR_KEY });
    expect(unknown.status).toBe(404);
  });

  it('lets a literal path own its methods: /v1/partners/me is not /v1/partners/:id', async () => {
    const patch = await engine.request('PATCH', '/v1/partners/me', { key: OPERATOR_KEY, body: { profile: 'x' } });
    expect(patch.status).toBe(405);
    expect(patch.headers.get('allow')).toBe('GET, HEAD');
    const options = await engine.request('OPTIONS', '/v1/partners/me');
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toBe('GET, HEAD');
    const byId = await engine.request('OPTIONS', '/v1/partners/00000000-0000-4000-8000-000000000000');
    expect(byId.headers.get('allow')).toBe('PATCH');
  });

  it('documents 413, 415, 429 and 503 wherever a route can answer them', async () => {
    const document = (await engine.request('GET', '/openapi.json')).body as {
      paths: Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: unknown }>>;
    };
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const statuses = Object.keys(operation.responses);
        expect(statuses, `${method} ${path}`).toContain('503');
        if (operation.requestBody)
          expect(statuses, `${method} ${path}`).toEqual(expect.arrayContaining(['413', '415']));
        if (/^\/(v1|invitations|reseller-relationships)\//.test(path))
          expect(statuses, `${method} ${path}`).toContain('429');
      }
    }
  });
});

/** Every string leaf of a zod schema, as a path with `*` for array elements and record values. */
function stringLeaves(
  schema: z.ZodType | undefined,
  path: string[] = [],
): Array<{ path: string[]; schema: z.ZodType }> {
  if (!schema) return [];
  const def = (schema as unknown as { _zod: { def: Record<string, any> } })._zod.def;
  switch (def.type) {
    case 'string':
      return [{ path, schema }];
    case 'object':
      return Object.entries(def.shape as Record<string, z.ZodType>).flatMap(([key, child]) =>
        stringLeaves(child, [...path, key]),
      );
    case 'array':
      return stringLeaves(def.element, [...path, '*']);
    case 'record':
      return [...stringLeaves(def.keyType, [...path, '<key>']), ...stringLeaves(def.valueType, [...path, '*'])];
    case 'union':
      return (def.options as z.ZodType[]).flatMap((option) => stringLeaves(option, path));
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
      return stringLeaves(def.innerType, path);
    case 'pipe':
      return stringLeaves(def.in, path);
    default:
      return [];
  }
}

/** Sets `value` at a leaf path, building objects and one-element arrays on the way. */
function withValueAt(path: string[], value: string): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (head === '*') return [withValueAt(rest, value)];
  if (head === '<key>') return { [value]: 'eA==' };
  return { [head!]: withValueAt(rest, value) };
}

const poisons = ['x\u0000y', 'x\u0001y', 'x\ud800y'];

describe('every string field of every declared route refuses poison', () => {
  it('each string leaf schema refuses NUL, control characters and lone surrogates', () => {
    const { api } = createApp(engine.deps);
    const unguarded: string[] = [];
    for (const route of api.routes) {
      for (const [where, schema] of [
        ['params', route.params],
        ['query', route.query],
        ['body', route.body],
      ] as const) {
        for (const leaf of stringLeaves(schema)) {
          for (const poison of poisons) {
            if (leaf.schema.safeParse(poison).success)
              unguarded.push(
                `${route.method.toUpperCase()} ${route.path} ${where}.${leaf.path.join('.')} accepts ${JSON.stringify(poison)}`,
              );
          }
        }
      }
    }
    expect(unguarded).toEqual([]);
    expect(api.routes.length).toBeGreaterThan(30);
  });

  it('each route answers a poisoned field with a 4xx, never a 5xx, and nothing is written', async () => {
    const { api } = createApp(engine.deps);
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const keyFor = (access: unknown) =>
      access === 'public' ? undefined : (access as string[]).includes('provider') ? provider.apiKey : OPERATOR_KEY;
    const answers: string[] = [];
    for (const route of api.routes) {
      const concretePath = route.path
        .replace(/:token/g, 'A'.repeat(43))
        .replace(/:[A-Za-z]+/g, '00000000-0000-4000-8000-000000000000');
      const targets = [
        ...stringLeaves(route.body).map((leaf) => ({ where: 'body' as const, leaf })),
        ...stringLeaves(route.query).map((leaf) => ({ where: 'query' as const, leaf })),
        ...stringLeaves(route.params).map((leaf) => ({ where: 'params' as const, leaf })),
      ];
      for (const { where, leaf } of targets) {
        const poison = 'x\u0000y';
        let path = concretePath;
        let body: unknown;
        if (where === 'body') body = withValueAt(leaf.path, poison);
        if (where === 'query') path += `?${leaf.path[0]}=${encodeURIComponent(poison)}`;
        if (where === 'params')
          path = route.path
            .replace(`:${leaf.path[0]}`, encodeURIComponent(poison))
            .replace(/:token/g, 'A'.repeat(43))
            .replace(/:[A-Za-z]+/g, '00000000-0000-4000-8000-000000000000');
        const reply = await engine.request(route.method.toUpperCase(), path, { key: keyFor(route.access), body });
        answers.push(`${reply.status} ${route.method.toUpperCase()} ${route.path} ${where}.${leaf.path.join('.')}`);
        expect(reply.status, answers[answers.length - 1]).toBeGreaterThanOrEqual(400);
        expect(reply.status, answers[answers.length - 1]).toBeLessThan(500);
      }
    }
    expect(answers.length).toBeGreaterThan(30);
    expect(await rowsOf(provider.id)).toBe(0);
    expect(logLines.filter((line) => line.includes('unhandled error'))).toEqual([]);
  });
});

/** Rows a poisoned request of this provider could have written. */
async function rowsOf(providerId: string) {
  const result = await engine.deps.db.execute<{ count: number }>(sql`
    select (select count(*) from invitations where provider_id = ${providerId})
         + (select count(*) from customers where provider_id = ${providerId})
         + (select count(*) from orders where provider_id = ${providerId})
         + (select count(*) from customer_onboardings where provider_id = ${providerId}) as count`);
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<{
    count: number | string;
  }>;
  return Number(rows[0]!.count);
}
