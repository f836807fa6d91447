import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookEndpoints } from '../src/db/schema';
import {
  createTestPartner,
  decodedHistoryText,
  mailTo,
  startTestEngine,
  waitFor,
  type TestEngine,
  type TestPartner,
} from './support/harness';
import { deliveryResult, registerEndpoint, startReceiver, type Receiver } from './support/webhook-receiver';

/** Compressed durations: retries 1 s apart, an endpoint failing for 3 s is disabled. */
const env = {
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_RELAY_INTERVAL: '100ms',
  WEBHOOK_RETRY_SCHEDULE: '1s,1s,1s,1s,1s',
  WEBHOOK_DISABLE_AFTER: '3s',
  WEBHOOK_SECRET_OVERLAP: '1h',
};

let engine: TestEngine;
const receivers: Receiver[] = [];
beforeAll(async () => {
  engine = await startTestEngine({ env });
});
afterAll(async () => {
  await engine?.stop();
  for (const receiver of receivers) await receiver.close();
});

async function setUp(answer?: Parameters<typeof startReceiver>[0]) {
  const receiver = await startReceiver(answer);
  receivers.push(receiver);
  const partner = await createTestPartner(engine.request, { kind: 'provider' });
  const { endpoint, secret } = await registerEndpoint(engine.request, partner.apiKey, { url: receiver.url });
  return { receiver, partner, endpointId: endpoint.id, secret };
}

async function sendTest(partner: TestPartner, endpointId: string): Promise<string> {
  const reply = await engine.request('POST', `/v1/webhook-endpoints/${endpointId}/test`, { key: partner.apiKey });
  expect(reply.status).toBe(202);
  return reply.body.eventId;
}

const attemptsOf = async (partner: TestPartner, endpointId: string) =>
  (
    await engine.request('GET', `/v1/webhook-endpoints/${endpointId}/deliveries`, { key: partner.apiKey })
  ).body.items.reverse();

describe('retries as durable timers', () => {
  it('retries a failed delivery after the schedule, with the same webhook-id, and records every attempt', async () => {
    let calls = 0;
    const { receiver, partner, endpointId, secret } = await setUp(() =>
      ++calls === 1 ? { status: 503, body: 'busy' } : { status: 204 },
    );
    const eventId = await sendTest(partner, endpointId);
    const result = await deliveryResult(engine, `webhook-delivery-${eventId}-${endpointId}`);
    expect(result).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(receiver.received.map((entry) => entry.headers['webhook-id'])).toEqual([eventId, eventId]);
    for (const entry of receiver.received) receiver.verify(entry, secret);
    expect(await attemptsOf(partner, endpointId)).toMatchObject([
      { attempt: 1, statusCode: 503, error: 'answered 503', responseBody: 'busy', deliveryStatus: 'delivered' },
      { attempt: 2, statusCode: 204, error: null },
    ]);
    // The wait is a timer in the workflow's history, visible to operators.
    const history = await engine.deps.temporal.workflow
      .getHandle(`webhook-delivery-${eventId}-${endpointId}`)
      .fetchHistory();
    expect(history.events?.filter((event) => event.timerStartedEventAttributes).length).toBe(1);
    const description = await engine.deps.temporal.workflow
      .getHandle(`webhook-delivery-${eventId}-${endpointId}`)
      .describe();
    expect(description.searchAttributes).toMatchObject({ ProviderId: [partner.id], ProcessStatus: ['delivered'] });
  });

  it('disables an endpoint whose deliveries all failed for WEBHOOK_DISABLE_AFTER, emails its owner; redeliver after the fix', async () => {
    let healthy = false;
    const { receiver, partner, endpointId } = await setUp(() => (healthy ? { status: 200 } : { status: 500 }));
    const eventId = await sendTest(partner, endpointId);
    const result = await deliveryResult(engine, `webhook-delivery-${eventId}-${endpointId}`);
    expect(result.status).toBe('failed');

    const endpoint = await engine.request('GET', `/v1/webhook-endpoints/${endpointId}`, { key: partner.apiKey });
    expect(endpoint.body).toMatchObject({
      enabled: false,
      disabledAt: expect.any(String),
      failingSince: expect.any(String),
    });
    const [mail] = await waitFor(async () => {
      const messages = await mailTo(engine, partner.email);
      return messages.length > 0 && messages;
    });
    expect(mail!.template).toBe('webhookEndpointDisabled');
    expect(mail!.text).toContain(receiver.url);

    const failed = await engine.request('GET', '/v1/events?deliveryStatus=failed', { key: partner.apiKey });
    expect(failed.body.items.map((event: { id: string }) => event.id)).toEqual([eventId]);
    expect((await engine.request('POST', `/v1/events/${eventId}/redeliver`, { key: partner.apiKey })).status).toBe(409);

    healthy = true;
    expect(
      (
        await engine.request('PATCH', `/v1/webhook-endpoints/${endpointId}`, {
          key: partner.apiKey,
          body: { enabled: true },
        })
      ).body.enabled,
    ).toBe(true);
    const redelivered = await engine.request('POST', `/v1/events/${eventId}/redeliver`, { key: partner.apiKey });
    expect(redelivered).toMatchObject({ status: 202, body: { eventId, deliveries: 1 } });
    const second = await deliveryResult(engine, `webhook-delivery-${eventId}-${endpointId}-redelivery-1`);
    expect(second.status).toBe('delivered');
    expect(receiver.received.at(-1)!.headers['webhook-id']).toBe(eventId);
    const delivered = await engine.request('GET', '/v1/events?deliveryStatus=delivered', { key: partner.apiKey });
    expect(delivered.body.items.map((event: { id: string }) => event.id)).toEqual([eventId]);
  });

  it('follows no redirect and keeps only the first 4 KiB of an answer', async () => {
    const target = await startReceiver();
    receivers.push(target);
    const { partner, endpointId } = await setUp(() => ({ status: 302, body: 'x'.repeat(10_000) }));
    await engine.request('PATCH', `/v1/webhook-endpoints/${endpointId}`, {
      key: partner.apiKey,
      body: { description: `redirects to ${target.url}` },
    });
    await sendTest(partner, endpointId);
    const [first] = await waitFor(async () => {
      const attempts = await attemptsOf(partner, endpointId);
      return attempts.length > 0 && attempts;
    });
    expect(first).toMatchObject({ statusCode: 302, error: 'answered 302' });
    expect(first.responseBody).toHaveLength(4096);
    expect(target.received).toEqual([]);
  });
});

describe('secret rotation', () => {
  it('signs with the new and the old secret during WEBHOOK_SECRET_OVERLAP, both verified by standardwebhooks', async () => {
    const { receiver, partner, endpointId, secret: oldSecret } = await setUp();
    const rotated = await engine.request('POST', `/v1/webhook-endpoints/${endpointId}/rotate-secret`, {
      key: partner.apiKey,
    });
    expect(rotated.status).toBe(200);
    const newSecret: string = rotated.body.secret;
    expect(newSecret).not.toBe(oldSecret);
    expect(rotated.body.endpoint.previousSecretExpiresAt).toEqual(expect.any(String));

    const eventId = await sendTest(partner, endpointId);
    const entry = await waitFor(async () =>
      receiver.received.find((candidate) => candidate.headers['webhook-id'] === eventId),
    );
    expect(String(entry.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(receiver.verify(entry, newSecret)).toMatchObject({ type: 'webhook.test' });
    expect(receiver.verify(entry, oldSecret)).toMatchObject({ type: 'webhook.test' });

    // After the overlap only the new secret signs.
    await engine.deps.db
      .update(webhookEndpoints)
      .set({ previousSecretExpiresAt: new Date(Date.now() - 1000) })
      .where(eq(webhookEndpoints.id, endpointId));
    const laterId = await sendTest(partner, endpointId);
    const later = await waitFor(async () =>
      receiver.received.find((candidate) => candidate.headers['webhook-id'] === laterId),
    );
    expect(String(later.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(() => receiver.verify(later, oldSecret)).toThrow();
    receiver.verify(later, newSecret);

    // Neither secret is in the database in plaintext nor in the delivery's history.
    const [row] = await engine.deps.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, endpointId));
    for (const secret of [oldSecret, newSecret]) {
      const material = secret.slice('whsec_'.length);
      expect(JSON.stringify(row)).not.toContain(material);
      expect(await decodedHistoryText(engine, `webhook-delivery-${eventId}-${endpointId}`)).not.toContain(material);
    }
  });
});

describe('endpoint URLs', () => {
  it('refuses http, loopback, private and link-local URLs at save without WEBHOOK_ALLOW_PRIVATE (422)', async () => {
    const strict = await startTestEngine({ runWorker: false });
    try {
      const partner = await createTestPartner(strict.request, { kind: 'reseller' });
      for (const url of [
        'http://hooks.example.com/in',
        'https://127.0.0.1/in',
        'https://localhost/in',
        'https://10.1.2.3/in',
        'https://169.254.169.254/in',
        'https://[::1]/in',
      ]) {
        const reply = await strict.request('POST', '/v1/webhook-endpoints', { key: partner.apiKey, body: { url } });
        expect(reply.status, url).toBe(422);
        expect(reply.body.error.details[0]).toMatchObject({ path: 'body.url', code: 'UNSAFE_URL' });
      }
    } finally {
      await strict.stop();
    }
  });

  it("answers 404 for another partner's endpoint and event", async () => {
    const { partner, endpointId } = await setUp();
    const eventId = await sendTest(partner, endpointId);
    const stranger = await createTestPartner(engine.request, { kind: 'provider' });
    for (const [method, path] of [
      ['GET', `/v1/webhook-endpoints/${endpointId}`],
      ['DELETE', `/v1/webhook-endpoints/${endpointId}`],
      ['POST', `/v1/webhook-endpoints/${endpointId}/rotate-secret`],
      ['GET', `/v1/webhook-endpoints/${endpointId}/deliveries`],
      ['GET', `/v1/events/${eventId}`],
      ['POST', `/v1/events/${eventId}/redeliver`],
    ] as const) {
      expect((await engine.request(method, path, { key: stranger.apiKey })).status, `${method} ${path}`).toBe(404);
    }
  });
});
