import { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/api/app';
import { createKeyRing } from '../src/security/cipher';
import {
  ENCRYPTED_ENCODING,
  EncryptionCodec,
  KEY_ID_METADATA_KEY,
  PayloadDecryptionError,
} from '../src/temporal/codec';
import {
  createTestPartner,
  linkIn,
  mailTo,
  OPERATOR_KEY,
  requester,
  startTestEngine,
  waitFor,
  type Requester,
  type TestEngine,
  type TestPartner,
} from './support/harness';
import { serveOnLoopback } from './support/serve';

type JsonPayload = { metadata: Record<string, string>; data: string };

let engine: TestEngine;
let provider: TestPartner;
beforeAll(async () => {
  engine = await startTestEngine();
  provider = await createTestPartner(engine.request, { kind: 'provider' });
});
afterAll(async () => {
  await engine?.stop();
});

const utf8 = (text: string) => Buffer.from(text, 'utf8');
const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64');
const fromB64 = (text: string) => Buffer.from(text, 'base64').toString('utf8');

/**
 * Every payload in a raw (protobuf) history, wherever it sits: inputs, results, memo, update
 * arguments. Search attributes are left out: Temporal indexes them, so they are never encoded and
 * hold only partner ids, a domain and a status.
 */
function payloadsIn(node: unknown, found: JsonPayload[] = [], skip = new Set<unknown>()): JsonPayload[] {
  if (!node || typeof node !== 'object' || node instanceof Uint8Array || skip.has(node)) return found;
  if ('indexedFields' in node) return found;
  const candidate = node as { metadata?: Record<string, Uint8Array>; data?: Uint8Array };
  if (
    candidate.metadata &&
    typeof candidate.metadata === 'object' &&
    Object.values(candidate.metadata).every((v) => v instanceof Uint8Array) &&
    'encoding' in candidate.metadata
  ) {
    found.push({
      metadata: Object.fromEntries(Object.entries(candidate.metadata).map(([k, v]) => [k, b64(v)])),
      data: b64(candidate.data ?? new Uint8Array()),
    });
    return found;
  }
  for (const value of Object.values(node)) payloadsIn(value, found, skip);
  return found;
}

/** An invitation run to acceptance, and its history as read through a client that has no codec. */
async function acceptedInvitationWithRawHistory(message: string) {
  const reseller = await createTestPartner(engine.request, { kind: 'reseller' });
  const invite = await engine.request('POST', '/v1/invitations', {
    key: provider.apiKey,
    body: { resellerEmail: reseller.email, message },
  });
  expect(invite.status).toBe(202);
  const mail = await waitFor(async () => (await mailTo(engine, reseller.email))[0]);
  const link = linkIn(mail.text, '/invitations');
  const accepted = await engine.request('POST', `${link.pathname}/accept`, { body: { partnerId: reseller.partnerId } });
  expect(accepted.status).toBe(200);
  await engine.deps.temporal.workflow.getHandle(invite.body.workflowId).result();

  const plainClient = new Client({
    connection: engine.deps.temporal.connection,
    namespace: engine.deps.config.temporal.namespace,
  });
  const history = await plainClient.workflow.getHandle(invite.body.workflowId).fetchHistory();
  const rawText = JSON.stringify(history, (_key, value) =>
    value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value,
  );
  return { reseller, invitationId: invite.body.id as string, token: link.pathname.split('/').pop()!, history, rawText };
}

describe('payload encryption and the codec endpoint', () => {
  it('keeps customer data and secrets out of the raw Temporal history: every payload is AES-GCM sealed', async () => {
    const message = `Confidential offer ${Date.now()}`;
    const { reseller, token, history, rawText } = await acceptedInvitationWithRawHistory(message);

    // Temporal's core writes two marker payloads itself, outside the data converter, and they hold no
    // data of ours: a patch marker's id (`patched('invitation-lean-visibility')`) and a local
    // activity's bookkeeping (sequence, attempt, type, times). They are checked for exactly that; the
    // local activity's result, like every other payload, must be sealed.
    const markers = (history.events ?? []).flatMap((event) => {
      const marker = event.markerRecordedEventAttributes;
      return marker?.markerName ? [{ name: marker.markerName, details: marker.details ?? {} }] : [];
    });
    const coreOwned = new Set<unknown>();
    for (const { name, details } of markers) {
      const own =
        name === 'core_patch' ? details['patch-data'] : name === 'core_local_activity' ? details.data : undefined;
      if (!own) continue;
      coreOwned.add(own);
      const [content] = payloadsIn(own).map((payload) => JSON.parse(fromB64(payload.data)));
      if (name === 'core_patch') expect(content).toEqual({ id: 'invitation-lean-visibility', deprecated: false });
      else
        expect(Object.keys(content).sort()).toEqual(
          [
            'activity_id',
            'activity_type',
            'attempt',
            'backoff',
            'complete_time',
            'original_schedule_time',
            'seq',
          ].sort(),
        );
    }
    expect(markers.filter(({ name }) => name === 'core_local_activity')).toHaveLength(2);
    const payloads = payloadsIn(history, [], coreOwned);
    expect(payloads.length).toBeGreaterThanOrEqual(4); // input, memo, activity results, update, result
    for (const payload of payloads) {
      expect(fromB64(payload.metadata.encoding!)).toBe(ENCRYPTED_ENCODING);
      expect(fromB64(payload.metadata[KEY_ID_METADATA_KEY]!)).toBe(engine.deps.config.encryption.keyId);
    }
    for (const plaintext of [reseller.email, message, provider.name, token]) {
      expect(rawText).not.toContain(plaintext);
      expect(rawText.toLowerCase()).not.toContain(plaintext.toLowerCase());
    }
  });

  it('decodes, through POST /codec/decode, the payloads the worker and client encoded into history', async () => {
    const message = `Let us work together ${Date.now()}`;
    const { reseller, history, invitationId } = await acceptedInvitationWithRawHistory(message);

    const payloads = payloadsIn(history);
    const decoded = await engine.request<{ payloads: JsonPayload[] }>('POST', '/codec/decode', {
      key: OPERATOR_KEY,
      body: { payloads },
    });
    expect(decoded.status).toBe(200);
    expect(decoded.body.payloads).toHaveLength(payloads.length);
    for (const payload of decoded.body.payloads)
      expect(fromB64(payload.metadata.encoding!)).toMatch(/^(json\/plain|binary\/null)$/);
    const plaintext = decoded.body.payloads.map((p) => fromB64(p.data)).join('\n');
    expect(plaintext).toContain(reseller.email);
    expect(plaintext).toContain(`"invitationId":"${invitationId}"`);
    expect(plaintext).toContain(provider.name); // the memo's display name
  });

  it('round-trips POST /codec/encode through POST /codec/decode', async () => {
    const original = { metadata: { encoding: b64('json/plain') }, data: b64(JSON.stringify({ hello: 'wörld' })) };
    const encoded = await engine.request('POST', '/codec/encode', {
      key: OPERATOR_KEY,
      body: { payloads: [original] },
    });
    expect(encoded.status).toBe(200);
    expect(fromB64(encoded.body.payloads[0].metadata.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(encoded.body.payloads[0].data).not.toBe(original.data);
    const decoded = await engine.request('POST', '/codec/decode', { key: OPERATOR_KEY, body: encoded.body });
    expect(decoded.body.payloads).toEqual([original]);
  });

  it('passes payloads that were never encrypted through /codec/decode unchanged', async () => {
    const plain = { metadata: { encoding: b64('json/plain') }, data: b64('"legacy"') };
    const decoded = await engine.request('POST', '/codec/decode', { key: OPERATOR_KEY, body: { payloads: [plain] } });
    expect(decoded.status).toBe(200);
    expect(decoded.body.payloads).toEqual([plain]);
  });
});

describe('key rotation', () => {
  const oldKey = Buffer.alloc(32, 1);
  const newKey = Buffer.alloc(32, 2);
  const payload = { metadata: { encoding: utf8('json/plain') }, data: utf8('{"customer":"Contoso"}') };

  it('decodes payloads sealed with a retired key listed in ENCRYPTION_KEYS_PREVIOUS, and seals new ones with the current key', async () => {
    const [sealedWithOld] = await new EncryptionCodec(createKeyRing({ keyId: 'k0', key: oldKey })).encode([payload]);
    const rotated = new EncryptionCodec(createKeyRing({ keyId: 'k1', key: newKey }, `k0:${oldKey.toString('base64')}`));
    const [opened] = await rotated.decode([sealedWithOld!]);
    expect(Buffer.from(opened!.data!).toString()).toBe('{"customer":"Contoso"}');
    const [sealedWithNew] = await rotated.encode([payload]);
    expect(Buffer.from(sealedWithNew!.metadata![KEY_ID_METADATA_KEY]!).toString()).toBe('k1');
  });

  it('refuses a payload whose key was dropped from the ring', async () => {
    const [sealedWithOld] = await new EncryptionCodec(createKeyRing({ keyId: 'k0', key: oldKey })).encode([payload]);
    await expect(
      new EncryptionCodec(createKeyRing({ keyId: 'k1', key: newKey })).decode([sealedWithOld!]),
    ).rejects.toBeInstanceOf(PayloadDecryptionError);
  });
});

describe('codec endpoint errors and access', () => {
  let valid: JsonPayload;
  let tampered: JsonPayload;
  let foreign: JsonPayload;
  beforeAll(async () => {
    const [sealed] = await new EncryptionCodec(engine.deps.keyRing).encode([
      { metadata: { encoding: utf8('json/plain') }, data: utf8('"x"') },
    ]);
    valid = payloadsIn({ sealed })[0]!;
    const bytes = Buffer.from(valid.data, 'base64');
    bytes[bytes.length - 1]! ^= 0xff;
    tampered = { ...valid, data: bytes.toString('base64') };
    const [other] = await new EncryptionCodec(createKeyRing({ keyId: 'elsewhere', key: Buffer.alloc(32, 9) })).encode([
      { metadata: { encoding: utf8('json/plain') }, data: utf8('"x"') },
    ]);
    foreign = payloadsIn({ other })[0]!;
  });

  const cases: {
    name: string;
    key?: 'operator' | 'provider';
    body?: () => unknown;
    rawBody?: string;
    status: number;
    code: string;
  }[] = [
    { name: 'no API key', body: () => ({ payloads: [valid] }), status: 401, code: 'UNAUTHENTICATED' },
    { name: 'a provider key', key: 'provider', body: () => ({ payloads: [valid] }), status: 403, code: 'FORBIDDEN' },
    { name: 'no payloads array', key: 'operator', body: () => ({}), status: 400, code: 'VALIDATION_FAILED' },
    {
      name: 'data that is not base64',
      key: 'operator',
      body: () => ({ payloads: [{ metadata: {}, data: '%%%' }] }),
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    { name: 'malformed JSON', key: 'operator', rawBody: '{"payloads": [', status: 400, code: 'MALFORMED_JSON' },
    {
      name: 'tampered ciphertext',
      key: 'operator',
      body: () => ({ payloads: [tampered] }),
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'a key id this engine does not hold',
      key: 'operator',
      body: () => ({ payloads: [valid, foreign] }),
      status: 400,
      code: 'VALIDATION_FAILED',
    },
  ];
  it.each(cases)(
    'POST /codec/decode with $name answers $status $code',
    async ({ key, body, rawBody, status, code }) => {
      const reply = await engine.request('POST', '/codec/decode', {
        key: key === 'operator' ? OPERATOR_KEY : key === 'provider' ? provider.apiKey : undefined,
        body: body?.(),
        rawBody,
      });
      expect(reply.status).toBe(status);
      expect(reply.body.error).toMatchObject({ code, requestId: reply.headers.get('x-request-id') });
    },
  );

  it('names the payload that does not decrypt', async () => {
    const reply = await engine.request('POST', '/codec/decode', {
      key: OPERATOR_KEY,
      body: { payloads: [valid, foreign] },
    });
    expect(reply.body.error.details[0]).toMatchObject({ path: 'body.payloads.1' });
    expect(reply.body.error.message).toContain('elsewhere');
  });

  it("answers the Temporal UI's CORS preflight for its origin, with the headers the UI sends", async () => {
    const reply = await engine.request('OPTIONS', '/codec/decode', {
      headers: {
        origin: engine.deps.config.uiOrigin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace,authorization',
      },
    });
    expect(reply.status).toBe(204);
    expect(reply.headers.get('access-control-allow-origin')).toBe(engine.deps.config.uiOrigin);
    expect(reply.headers.get('access-control-allow-methods')).toContain('POST');
    for (const header of ['content-type', 'x-namespace', 'authorization'])
      expect(reply.headers.get('access-control-allow-headers')).toContain(header);
  });

  it('gives no CORS grant to any other origin', async () => {
    const preflight = await engine.request('OPTIONS', '/codec/decode', {
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const post = await engine.request('POST', '/codec/decode', {
      key: OPERATOR_KEY,
      body: { payloads: [valid] },
      headers: { origin: 'https://evil.example' },
    });
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('outside dev mode requires the operator key even from the UI origin', async () => {
    const anonymous = await engine.request('POST', '/codec/decode', {
      body: { payloads: [valid] },
      headers: { origin: engine.deps.config.uiOrigin },
    });
    expect(anonymous.status).toBe(401);
    const operator = await engine.request('POST', '/codec/decode', {
      key: OPERATOR_KEY,
      body: { payloads: [valid] },
      headers: { origin: engine.deps.config.uiOrigin },
    });
    expect(operator.status).toBe(200);
    expect(operator.headers.get('access-control-allow-origin')).toBe(engine.deps.config.uiOrigin);
  });
});

describe('codec endpoint in dev mode', () => {
  let server: Awaited<ReturnType<typeof serveOnLoopback>> | undefined;
  let devRequest: Requester;
  beforeAll(async () => {
    const { app } = createApp({ ...engine.deps, devMode: true });
    server = await serveOnLoopback(app);
    devRequest = requester(server.url);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('lets the Temporal UI (its origin, no credentials) decode, so the dev UI shows plaintext', async () => {
    const [sealed] = await new EncryptionCodec(engine.deps.keyRing).encode([
      { metadata: { encoding: utf8('json/plain') }, data: utf8('"dev"') },
    ]);
    const reply = await devRequest('POST', '/codec/decode', {
      body: { payloads: payloadsIn({ sealed }) },
      headers: { origin: engine.deps.config.uiOrigin },
    });
    expect(reply.status).toBe(200);
    expect(fromB64(reply.body.payloads[0].data)).toBe('"dev"');
  });

  it('still requires the operator key from any other caller', async () => {
    const noOrigin = await devRequest('POST', '/codec/decode', { body: { payloads: [] } });
    expect(noOrigin.status).toBe(401);
    const otherOrigin = await devRequest('POST', '/codec/decode', {
      body: { payloads: [] },
      headers: { origin: 'https://evil.example' },
    });
    expect(otherOrigin.status).toBe(401);
    const operator = await devRequest('POST', '/codec/decode', { key: OPERATOR_KEY, body: { payloads: [] } });
    expect(operator.status).toBe(200);
  });
});
