import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { createTestPartner, historyText, startTestEngine, waitFor, type TestEngine } from './support/harness';
import { deliveryResult, registerEndpoint, startReceiver, type Receiver } from './support/webhook-receiver';

const env = { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_SCHEDULE: '1s,1s', WEBHOOK_RELAY_INTERVAL: '100ms' };

describe('webhook delivery', () => {
  let engine: TestEngine;
  let receiver: Receiver;

  beforeAll(async () => {
    engine = await startTestEngine({ env });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await engine?.stop();
    await receiver?.close();
  });

  it('sends webhook.test with the Standard Webhooks headers, verified by the standardwebhooks library', async () => {
    const provider = await createTestPartner(engine.request, { kind: 'provider' });
    const { endpoint, secret } = await registerEndpoint(engine.request, provider.apiKey, { url: receiver.url });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
    const test = await engine.request('POST', `/v1/webhook-endpoints/${endpoint.id}/test`, { key: provider.apiKey });
    expect(test.status).toBe(202);
    const [delivery] = await waitFor(async () => {
      const found = receiver.received.filter((entry) => entry.headers['webhook-id'] === test.body.eventId);
      return found.length > 0 && found;
    });
    const payload = receiver.verify(delivery!, secret) as { type: string; timestamp: string; data: unknown };
    expect(payload.type).toBe('webhook.test');
    expect(delivery!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    expect(Math.abs(Number(delivery!.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(300);
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(24, 1).toString('base64')}`).verify(delivery!.body, delivery!.headers as never),
    ).toThrow();

    const workflowId = `webhook-delivery-${test.body.eventId}-${endpoint.id}`;
    const result = await deliveryResult(engine, workflowId);
    expect(result.status).toBe('delivered');
    // The secret never enters the delivery's history.
    expect(await historyText(engine, workflowId)).not.toContain(secret.slice('whsec_'.length));

    const deliveries = await engine.request('GET', `/v1/webhook-endpoints/${endpoint.id}/deliveries`, {
      key: provider.apiKey,
    });
    expect(deliveries.status).toBe(200);
    expect(deliveries.body.items[0]).toMatchObject({
      eventId: test.body.eventId,
      eventType: 'webhook.test',
      attempt: 1,
      statusCode: 200,
      error: null,
      responseBody: 'ok',
    });
  });
});
