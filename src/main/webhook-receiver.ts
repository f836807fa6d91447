import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

/**
 * `npm run webhook:receiver`: a tiny local webhook receiver for the dev-mode demo. It prints every
 * delivery and whether its Standard Webhooks signature verifies with WEBHOOK_SECRET (the `whsec_…`
 * shown when the endpoint was registered; without it deliveries are printed unverified).
 *   RECEIVER_PORT (default 4000); answers 204, or RECEIVER_STATUS to try the retries.
 */
const port = Number(process.env.RECEIVER_PORT ?? 4000);
const status = Number(process.env.RECEIVER_STATUS ?? 204);
const secret = process.env.WEBHOOK_SECRET;
const verifier = secret ? new Webhook(secret) : undefined;

createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = {
      'webhook-id': String(req.headers['webhook-id'] ?? ''),
      'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
      'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
    };
    let verdict = 'not verified (set WEBHOOK_SECRET)';
    if (verifier) {
      try {
        verifier.verify(body, headers);
        verdict = 'signature verified';
      } catch (error) {
        verdict = `SIGNATURE REJECTED: ${(error as Error).message}`;
      }
    }
    const event = JSON.parse(body || '{}') as { type?: string; timestamp?: string; data?: unknown };
    console.log(`\n${new Date().toISOString()}  ${event.type}  id=${headers['webhook-id']}  ${verdict}`);
    console.log(JSON.stringify(event.data, null, 2));
    res.writeHead(status).end();
  });
}).listen(port, '127.0.0.1', () => console.log(`webhook receiver on http://127.0.0.1:${port}/ (answers ${status})`));
