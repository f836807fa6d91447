import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestPartner,
  linkIn,
  mailTo,
  startTestEngine,
  uniqueEmail,
  uniquePartnerId,
  waitFor,
  type TestEngine,
  type TestPartner,
} from './support/harness';
import { invite } from './support/invitations';

let engine: TestEngine;
/** A second engine whose invitations expire after one second, for the "expired" refusal. */
let shortLived: TestEngine;
let provider: TestPartner;

beforeAll(async () => {
  [engine, shortLived] = await Promise.all([startTestEngine(), startTestEngine({ env: { INVITATION_TTL: '1s' } })]);
  provider = await createTestPartner(engine.request, { kind: 'provider', country: 'ES' });
});
afterAll(async () => {
  await Promise.all([engine?.stop(), shortLived?.stop()]);
});

type Refusal = {
  name: string;
  /** Prepares an invitation and returns the link to accept and the partnerId to accept with. */
  arrange: () => Promise<{ link: string; partnerId: string; on?: TestEngine }>;
  status: number;
  code: string;
};

const refusals: Refusal[] = [
  {
    name: 'a reseller whose registered email is not the invited one → 403',
    arrange: async () => {
      const { link } = await invite(engine, provider, uniqueEmail('invited'));
      const other = await createTestPartner(engine.request, { kind: 'reseller' });
      return { link, partnerId: other.partnerId };
    },
    status: 403,
    code: 'RESELLER_EMAIL_MISMATCH',
  },
  {
    name: 'a reseller not enrolled in CSP → 422',
    arrange: async () => {
      const reseller = await createTestPartner(engine.request, { kind: 'reseller', cspEnrolled: false });
      const { link } = await invite(engine, provider, reseller.email);
      return { link, partnerId: reseller.partnerId };
    },
    status: 422,
    code: 'RESELLER_NOT_ELIGIBLE',
  },
  {
    name: "a reseller in another country than the provider's → 422",
    arrange: async () => {
      const reseller = await createTestPartner(engine.request, { kind: 'reseller', country: 'FR' });
      const { link } = await invite(engine, provider, reseller.email);
      return { link, partnerId: reseller.partnerId };
    },
    status: 422,
    code: 'RESELLER_NOT_ELIGIBLE',
  },
  {
    name: 'an unknown partnerId → 422',
    arrange: async () => {
      const { link } = await invite(engine, provider, uniqueEmail('invited'));
      return { link, partnerId: uniquePartnerId() };
    },
    status: 422,
    code: 'RESELLER_NOT_FOUND',
  },
  {
    name: "a provider's partnerId (not a reseller) → 422",
    arrange: async () => {
      const email = uniqueEmail('invited');
      const otherProvider = await createTestPartner(engine.request, { kind: 'provider', email });
      const { link } = await invite(engine, provider, email);
      return { link, partnerId: otherProvider.partnerId };
    },
    status: 422,
    code: 'RESELLER_NOT_FOUND',
  },
  {
    name: 'an invitation already accepted → 409',
    arrange: async () => {
      const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
      const { link } = await invite(engine, provider, reseller.email);
      expect((await engine.request('POST', `${link}/accept`, { body: { partnerId: reseller.partnerId } })).status).toBe(
        200,
      );
      return { link, partnerId: reseller.partnerId };
    },
    status: 409,
    code: 'INVITATION_NOT_PENDING',
  },
  {
    name: 'an invitation already declined → 409',
    arrange: async () => {
      const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
      const { link } = await invite(engine, provider, reseller.email);
      expect((await engine.request('POST', `${link}/decline`, { body: {} })).status).toBe(200);
      return { link, partnerId: reseller.partnerId };
    },
    status: 409,
    code: 'INVITATION_NOT_PENDING',
  },
  {
    name: 'a revoked invitation → 410',
    arrange: async () => {
      const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
      const { invitation, link } = await invite(engine, provider, reseller.email);
      expect(
        (await engine.request('POST', `/v1/invitations/${invitation.id}/revoke`, { key: provider.apiKey })).status,
      ).toBe(200);
      return { link, partnerId: reseller.partnerId };
    },
    status: 410,
    code: 'INVITATION_REVOKED',
  },
  {
    name: 'an expired invitation → 410',
    arrange: async () => {
      const shortProvider = await createTestPartner(shortLived.request, { kind: 'provider' });
      const reseller = await createTestPartner(shortLived.request, { kind: 'reseller' });
      const { invitation, link } = await invite(shortLived, shortProvider, reseller.email);
      await waitFor(
        async () =>
          (await shortLived.request('GET', `/v1/invitations/${invitation.id}`, { key: shortProvider.apiKey })).body
            .status === 'expired',
        {
          what: 'the expiry',
        },
      );
      return { link, partnerId: reseller.partnerId, on: shortLived };
    },
    status: 410,
    code: 'INVITATION_EXPIRED',
  },
  {
    name: 'an unknown token → 404',
    arrange: async () => ({
      link: `/invitations/${randomBytes(32).toString('base64url')}`,
      partnerId: uniquePartnerId(),
    }),
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    name: 'a malformed token → 400',
    arrange: async () => ({ link: '/invitations/not%20a%20token!', partnerId: uniquePartnerId() }),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
];

describe('accept refusals, each with its status', () => {
  it.each(refusals)('$name', async ({ arrange, status, code }) => {
    const { link, partnerId, on = engine } = await arrange();
    const reply = await on.request('POST', `${link}/accept`, { body: { partnerId } });
    expect(reply.status).toBe(status);
    expect(reply.body.error).toMatchObject({ code, requestId: reply.headers.get('x-request-id') });
  });

  it('a refused accept leaves the invitation pending, so the invited reseller can still accept', async () => {
    const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
    const stranger = await createTestPartner(engine.request, { kind: 'reseller' });
    const { invitation, link } = await invite(engine, provider, reseller.email);
    expect((await engine.request('POST', `${link}/accept`, { body: { partnerId: stranger.partnerId } })).status).toBe(
      403,
    );
    expect(
      (await engine.request('GET', `/v1/invitations/${invitation.id}`, { key: provider.apiKey })).body.status,
    ).toBe('pending');
    const accepted = await engine.request('POST', `${link}/accept`, { body: { partnerId: reseller.partnerId } });
    expect(accepted.status).toBe(200);
    // The refusal came from the update's validator: it left no trace in the workflow history.
    const { events } = await engine.deps.temporal.workflow.getHandle(invitation.workflowId).fetchHistory();
    const updates = (events ?? []).filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes);
    expect(updates).toHaveLength(1);
  });

  it('a refusal of the browser form comes back as an HTML page with the same status, not JSON', async () => {
    const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
    const stranger = await createTestPartner(engine.request, { kind: 'reseller' });
    const { link } = await invite(engine, provider, reseller.email);
    const reply = await engine.request('POST', `${link}/accept`, {
      rawBody: `partnerId=${stranger.partnerId}`,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'text/html,application/xhtml+xml,*/*;q=0.8',
      },
    });
    expect(reply.status).toBe(403);
    expect(reply.headers.get('content-type')).toContain('text/html');
    expect(reply.text).toContain('This invitation was sent to another email address');
    expect(reply.text).toContain(reply.headers.get('x-request-id')!);
  });

  it('the link page answers 404 in HTML for an unknown token', async () => {
    const reply = await engine.request('GET', `/invitations/${randomBytes(32).toString('base64url')}`);
    expect(reply.status).toBe(404);
    expect(reply.headers.get('content-type')).toContain('text/html');
  });
});

type BadInput = {
  name: string;
  method?: string;
  path?: string;
  body?: unknown;
  rawBody?: string;
  contentType?: string;
  status: number;
  code: string;
};

const badInputs: BadInput[] = [
  { name: 'malformed JSON', rawBody: '{"resellerEmail": ', status: 400, code: 'MALFORMED_JSON' },
  {
    name: 'a JSON string instead of an object',
    rawBody: '"someone@example.test"',
    status: 400,
    code: 'MALFORMED_JSON',
  },
  { name: 'a JSON array', body: [{ resellerEmail: 'a@example.test' }], status: 400, code: 'VALIDATION_FAILED' },
  { name: 'no body at all', status: 400, code: 'VALIDATION_FAILED' },
  {
    name: 'a text/plain body',
    rawBody: 'resellerEmail=a@example.test',
    contentType: 'text/plain',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'a form body on the JSON API',
    rawBody: 'resellerEmail=a@example.test',
    contentType: 'application/x-www-form-urlencoded',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  { name: 'resellerEmail of the wrong type', body: { resellerEmail: 42 }, status: 400, code: 'VALIDATION_FAILED' },
  {
    name: 'resellerEmail that is not an email',
    body: { resellerEmail: 'not-an-email' },
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'message of the wrong type',
    body: { resellerEmail: 'a@example.test', message: ['hi'] },
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'an unknown field',
    body: { resellerEmail: 'a@example.test', role: 'admin' },
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'a message over 2,000 characters',
    body: { resellerEmail: 'a@example.test', message: 'x'.repeat(2_001) },
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'a body over 100 kb',
    rawBody: JSON.stringify({ resellerEmail: 'a@example.test', message: 'x'.repeat(120_000) }),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    name: 'an unsupported body charset',
    rawBody: '{}',
    contentType: 'application/json; charset=klingon',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'an id that is not a UUID',
    method: 'GET',
    path: '/v1/invitations/123',
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'resend of an id that is not a UUID',
    path: '/v1/invitations/x/resend',
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'accept with a partnerId that is not digits',
    path: '/invitations/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/accept',
    body: { partnerId: 'abc' },
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'accept with an unknown field',
    path: '/invitations/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/accept',
    body: { partnerId: '1234567', x: 1 },
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'an oversized accept form',
    path: '/invitations/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/accept',
    rawBody: `partnerId=${'1'.repeat(20_000)}`,
    contentType: 'application/x-www-form-urlencoded',
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    name: 'decline with a reason over 2,000 characters',
    path: '/invitations/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/decline',
    body: { reason: 'x'.repeat(2_001) },
    status: 400,
    code: 'VALIDATION_FAILED',
  },
];

describe('bad input is a clear 4xx, never a 5xx', () => {
  it.each(badInputs)(
    '$name → $status $code',
    async ({ method = 'POST', path = '/v1/invitations', body, rawBody, contentType, status, code }) => {
      const reply = await engine.request(method, path, {
        key: provider.apiKey,
        body,
        rawBody,
        headers: contentType ? { 'content-type': contentType } : undefined,
      });
      expect(reply.status).toBe(status);
      expect(reply.body.error).toMatchObject({ code, requestId: reply.headers.get('x-request-id') });
      expect(reply.body.error.message).toEqual(expect.any(String));
    },
  );

  it('a message of exactly 2,000 characters is accepted', async () => {
    const reply = await engine.request('POST', '/v1/invitations', {
      key: provider.apiKey,
      body: { resellerEmail: uniqueEmail(), message: 'x'.repeat(2_000) },
    });
    expect(reply.status).toBe(202);
  });

  it('validation errors list the zod issues in details, with the field path', async () => {
    const reply = await engine.request('POST', '/v1/invitations', {
      key: provider.apiKey,
      body: { resellerEmail: 42, extra: true },
    });
    expect(reply.status).toBe(400);
    const paths = reply.body.error.details.map((detail: { path: string }) => detail.path);
    expect(paths).toContain('body.resellerEmail');
  });

  it('echoes a caller-supplied x-request-id in the header and the error body', async () => {
    const reply = await engine.request('GET', '/v1/invitations/123', {
      key: provider.apiKey,
      headers: { 'x-request-id': 'trace-abc-123' },
    });
    expect(reply.headers.get('x-request-id')).toBe('trace-abc-123');
    expect(reply.body.error.requestId).toBe('trace-abc-123');
  });
});

describe('invitation list pagination', () => {
  it('pages with limit and cursor, newest first, and filters by status', async () => {
    const lister = await createTestPartner(engine.request, { kind: 'provider' });
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const reply = await engine.request('POST', '/v1/invitations', {
        key: lister.apiKey,
        body: { resellerEmail: uniqueEmail() },
      });
      ids.push(reply.body.id);
    }
    const first = await engine.request('GET', '/v1/invitations?limit=2', { key: lister.apiKey });
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await engine.request('GET', `/v1/invitations?limit=2&cursor=${first.body.nextCursor}`, {
      key: lister.apiKey,
    });
    expect(second.body.items).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    const listed = [...first.body.items, ...second.body.items].map((item: { id: string }) => item.id);
    expect(listed).toEqual([...ids].reverse());

    await engine.request('POST', `/v1/invitations/${ids[0]}/revoke`, { key: lister.apiKey });
    const revoked = await engine.request('GET', '/v1/invitations?status=revoked', { key: lister.apiKey });
    expect(revoked.body.items.map((item: { id: string }) => item.id)).toEqual([ids[0]]);
    const pending = await engine.request('GET', '/v1/invitations?status=pending', { key: lister.apiKey });
    expect(pending.body.items.map((item: { id: string }) => item.id)).toEqual([ids[2], ids[1]]);
    const all = await engine.request('GET', '/v1/invitations', { key: lister.apiKey });
    expect(all.body.items).toHaveLength(3);
  });

  it.each([
    ['limit=0', '/v1/invitations?limit=0'],
    ['limit=201', '/v1/invitations?limit=201'],
    ['limit=abc', '/v1/invitations?limit=abc'],
    ['limit=1.5', '/v1/invitations?limit=1.5'],
    ['a cursor this API did not issue', '/v1/invitations?cursor=garbage'],
    ['a base64 cursor of the wrong shape', `/v1/invitations?cursor=${Buffer.from('{"a":1}').toString('base64url')}`],
    ['an unknown status', '/v1/invitations?status=lost'],
    ['an unknown query parameter', '/v1/invitations?sort=asc'],
    ['a bad cursor on partnerships', '/v1/partnerships?cursor=garbage'],
    ['a bad limit on partnerships', '/v1/partnerships?limit=500'],
  ])('%s → 400', async (_name, path) => {
    const reply = await engine.request('GET', path, { key: provider.apiKey });
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('VALIDATION_FAILED');
  });
});
