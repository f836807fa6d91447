import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

/**
 * An Express app of a test's own (the API's edge without an engine) on a free loopback port: its
 * base URL, and a close that waits for the server to stop.
 */
export async function serveOnLoopback(app: Express): Promise<{ url: string; close: () => Promise<void> }> {
  const server = await new Promise<ReturnType<Express['listen']>>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
