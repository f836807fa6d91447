import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { OPERATOR_KEY, startTestEngine, uniqueEmail, uniquePartnerId } from './support/harness';

/** Opens a request and sends its headers and half its body: the server is now handling it. */
function startSlowRequest(url: string, body: string) {
  const target = new URL('/v1/partners', url);
  const request = http.request(target, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${OPERATOR_KEY}`,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    },
  });
  const reply = new Promise<{ status: number; body: string }>((resolve, reject) => {
    request.on('response', (response) => {
      let text = '';
      response.on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body: text }));
    });
    request.on('error', reject);
  });
  const half = Math.floor(body.length / 2);
  request.write(body.slice(0, half));
  return { reply, finish: () => request.end(body.slice(half)) };
}

describe('graceful shutdown', () => {
  it('lets a request in flight finish during stop(), while refusing new connections', async () => {
    const engine = await startTestEngine();
    const body = JSON.stringify({
      kind: 'provider',
      name: 'Shutdown Distribution',
      email: uniqueEmail('shutdown'),
      partnerId: uniquePartnerId(),
      country: 'ES',
    });
    const slow = startSlowRequest(engine.url, body);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the server has the headers now

    let stopped = false;
    const stopping = engine.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(stopped).toBe(false); // waiting for the request in flight
    await expect(fetch(`${engine.url}/healthz`)).rejects.toThrow(); // no new connections

    slow.finish();
    const reply = await slow.reply;
    expect(reply.status).toBe(201);
    expect(JSON.parse(reply.body).partner).toMatchObject({ name: 'Shutdown Distribution' });
    await stopping;
    expect(stopped).toBe(true);
  });
});
