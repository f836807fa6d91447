import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { WebhookDeliveryState } from '../../workflows/webhook-delivery.messages';
import type { WebhookEndpoint } from './api-types';
import { waitFor, type Requester, type TestEngine } from './harness';

export type Received = { headers: IncomingHttpHeaders; body: string; receivedAt: number };

/**
 * A webhook receiver on 127.0.0.1 (the only place tests send to): records every request and answers
 * with `answer(request)`, 200 by default. `verified(secret)` checks each delivery with the reference
 * Standard Webhooks library.
 */
export async function startReceiver(
  answer: (received: Received) => { status: number; body?: string } = () => ({ status: 200 }),
) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const entry = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), receivedAt: Date.now() };
      received.push(entry);
      const reply = answer(entry);
      res.writeHead(reply.status, { 'content-type': 'text/plain' }).end(reply.body ?? 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    /** Deliveries of one event type, parsed. */
    ofType: (type: string) =>
      received.map((entry) => ({ ...entry, json: JSON.parse(entry.body) })).filter((entry) => entry.json.type === type),
    /** Verifies a delivery with `standardwebhooks`; throws when the signature does not match the secret. */
    verify: (entry: Received, secret: string) =>
      new Webhook(secret).verify(entry.body, {
        'webhook-id': String(entry.headers['webhook-id']),
        'webhook-timestamp': String(entry.headers['webhook-timestamp']),
        'webhook-signature': String(entry.headers['webhook-signature']),
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
export type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** Registers an endpoint for a partner and returns it with its secret. */
export async function registerEndpoint(request: Requester, key: string, body: { url: string; events?: string[] }) {
  const reply = await request<{ endpoint: WebhookEndpoint; secret: string }>('POST', '/v1/webhook-endpoints', {
    key,
    body,
  });
  if (reply.status !== 201) throw new Error(`registering an endpoint failed: ${reply.status} ${reply.text}`);
  return reply.body;
}

/** The result of a delivery workflow, once the relay has started it. */
export async function deliveryResult(engine: TestEngine, workflowId: string): Promise<WebhookDeliveryState> {
  const handle = engine.deps.temporal.workflow.getHandle(workflowId);
  await waitFor(
    () =>
      handle.describe().then(
        () => true,
        () => false,
      ),
    { what: `${workflowId} started` },
  );
  return handle.result();
}
