import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForNamespace } from '../src/temporal/connection';

/**
 * A frontend that takes gRPC calls and never answers them, as a Temporal server still starting
 * may: waiting for its namespace still ends at its bound.
 */
let server: http2.Http2Server;
let address: string;
const sessions = new Set<http2.ServerHttp2Session>();
beforeAll(async () => {
  server = http2.createServer();
  server.on('session', (session) => sessions.add(session));
  server.on('stream', (stream) => stream.on('error', () => {}));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const session of sessions) session.destroy();
  await new Promise((resolve) => server.close(resolve));
});

describe('waitForNamespace', () => {
  it('gives up at its bound when the server takes the call and never answers', async () => {
    const started = Date.now();
    await expect(waitForNamespace(address, 'default', 3_000)).rejects.toThrow(/did not serve namespace default/);
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 30_000);
});
